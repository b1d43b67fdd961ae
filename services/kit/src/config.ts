import { z } from 'zod';

/** Raised at boot when the environment does not describe a runnable process. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The environment as a plain map, so tests can pass their own instead of mutating process.env. */
export type Env = Record<string, string | undefined>;

/**
 * Validates `env` against `schema`, reporting every problem at once (a boot that fails one variable
 * at a time wastes an operator's afternoon).
 */
export function parseEnv<T extends z.ZodType>(schema: T, env: Env): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

const csv = z
  .string()
  .trim()
  .min(1)
  .transform((s) =>
    s
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  );

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

/**
 * Variables every subgraph process reads. Defaults exist only where a value is safe everywhere;
 * secrets and addresses of shared infrastructure have none.
 */
export const serviceEnvShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('0.0.0.0'),
  /** Postgres URL of this service's own database; absent means an embedded PostgreSQL server under DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATA_DIR: z.string().min(1).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  KAFKA_BROKERS: csv,
  /** Prefixed to every consumer group of the process: two deployments sharing a broker (or test runs) keep their own offsets. */
  KAFKA_CONSUMER_GROUP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, underscore and dash only')
    .default(''),
  /** Prefixes every topic the service publishes to and consumes (environments sharing a cluster). */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, underscore and dash only')
    .default(''),
  IDENTITY_SECRET: z.string().min(32, 'must be at least 32 characters'),
  IDENTITY_MAX_SKEW_SECONDS: z.coerce.number().int().min(1).default(60),
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  OUTBOX_LISTEN: bool.optional(),
  /** Readiness fails once the oldest unpublished event is older than this (the relay is stuck). */
  OUTBOX_STUCK_AFTER_SECONDS: z.coerce.number().min(1).default(120),
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  CONSUMER_BACKOFF_MS: z.coerce.number().int().min(0).default(200),
  /** Partitions a consumer handles at once (each still in order; one aggregate stays on one). */
  CONSUMER_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(32).default(3),
  /** How often each consumer group's committed offsets are read against the high watermarks. */
  CONSUMER_LAG_INTERVAL_MS: z.coerce.number().int().min(50).default(5000),
  /** Readiness fails, naming the consumer, when its lag has not moved for this long. */
  CONSUMER_STALL_SECONDS: z.coerce.number().min(1).default(60),
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** OTLP/HTTP collector base URL (e.g. http://otel-collector:4318); traces are exported when set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** When set, SIGUSR2 starts and stops a CPU profile written to this directory. */
  CPU_PROFILE_DIR: z.string().min(1).optional(),
  /** Reported by /health/live and the gateway's status page (set by the image build). */
  SERVICE_VERSION: z.string().min(1).default('dev'),
  /** Load the service's synthetic demo data into an empty database at start (npm start sets it). */
  DEMO_DATA: z.enum(['true', 'false']).default('false'),
};

/** The typed configuration of a subgraph process, shared by every service. */
export interface ServiceConfig {
  serviceName: string;
  nodeEnv: 'development' | 'test' | 'production';
  logLevel: string;
  host: string;
  port: number;
  database: { url?: string; dataDir: string; poolSize: number };
  kafka: { brokers: string[]; clientId: string; consumerGroupPrefix: string; topicPrefix: string };
  identity: { secret: string; maxSkewSeconds: number };
  outbox: { pollIntervalMs: number; batchSize: number; listen: boolean; stuckAfterSeconds: number };
  consumer: {
    maxAttempts: number;
    backoffMs: number;
    partitionsConcurrently: number;
    lagIntervalMs: number;
    stallAfterMs: number;
  };
  http: { bodyLimitBytes: number };
  demoData: boolean;
  version: string;
  otlpEndpoint: string | undefined;
  /** SIGUSR2 toggles a CPU profile written here, when set. */
  cpuProfileDir: string | undefined;
}

/**
 * Parses the common service variables plus `PORT` (defaulting to the service's well-known port)
 * into a {@link ServiceConfig}.
 */
export function loadServiceConfig(
  serviceName: string,
  defaultPort: number,
  env: Env,
): ServiceConfig {
  const schema = z.object({
    ...serviceEnvShape,
    PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
  });
  const e = parseEnv(schema, env);
  return {
    serviceName,
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    host: e.HOST,
    port: e.PORT,
    database: {
      url: e.DATABASE_URL,
      dataDir: e.DATA_DIR ?? `.data/${serviceName}`,
      poolSize: e.DATABASE_POOL_SIZE,
    },
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: serviceName,
      consumerGroupPrefix: e.KAFKA_CONSUMER_GROUP_PREFIX,
      topicPrefix: e.KAFKA_TOPIC_PREFIX,
    },
    identity: { secret: e.IDENTITY_SECRET, maxSkewSeconds: e.IDENTITY_MAX_SKEW_SECONDS },
    outbox: {
      pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
      batchSize: e.OUTBOX_BATCH_SIZE,
      listen: e.OUTBOX_LISTEN ?? true,
      stuckAfterSeconds: e.OUTBOX_STUCK_AFTER_SECONDS,
    },
    consumer: {
      maxAttempts: e.CONSUMER_MAX_ATTEMPTS,
      backoffMs: e.CONSUMER_BACKOFF_MS,
      partitionsConcurrently: e.CONSUMER_PARTITIONS_CONCURRENTLY,
      lagIntervalMs: e.CONSUMER_LAG_INTERVAL_MS,
      stallAfterMs: e.CONSUMER_STALL_SECONDS * 1000,
    },
    http: { bodyLimitBytes: e.HTTP_BODY_LIMIT_BYTES },
    demoData: e.DEMO_DATA === 'true',
    version: e.SERVICE_VERSION,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    cpuProfileDir: e.CPU_PROFILE_DIR,
  };
}
