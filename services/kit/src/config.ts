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

const HOUR_MS = 3_600_000;

/**
 * The `segment.ms` the kit gives a topic it creates with `retentionHours`: a day, or the retention
 * when shorter. Kafka deletes a whole segment once its newest record is older than the retention,
 * so a record can outlive `retention.ms` by up to one segment.
 */
export function topicSegmentHours(retentionHours: number): number {
  return Math.min(24, retentionHours);
}

/**
 * The refusal the kit raises when `DEDUPE_WINDOW_HOURS` is shorter than the longest a topic keeps a
 * record (`TOPIC_RETENTION_HOURS` plus one segment): a consumer re-reading a topic from the start
 * (a new group, offsets expired) would meet events whose `processed_events` row is already gone,
 * and apply them again. Undefined when the window is long enough.
 */
export function dedupeWindowProblem(
  dedupeWindowHours: number,
  topicRetentionHours: number,
): string | undefined {
  const segment = topicSegmentHours(topicRetentionHours);
  const needed = topicRetentionHours + segment;
  if (dedupeWindowHours >= needed) return undefined;
  return (
    `DEDUPE_WINDOW_HOURS (${dedupeWindowHours}) is shorter than TOPIC_RETENTION_HOURS ` +
    `(${topicRetentionHours}) plus one log segment (${segment}): an event still on a topic could ` +
    `be applied again once its processed_events row is pruned; set DEDUPE_WINDOW_HOURS to at ` +
    `least ${needed} or shorten TOPIC_RETENTION_HOURS`
  );
}

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
  /** `retention.ms` of the topics the service creates (its own, dead-letter and announcement topics). */
  TOPIC_RETENTION_HOURS: z.coerce.number().min(1).default(168),
  /** Sent outbox rows are deleted once their `sent_at` is older than this. */
  OUTBOX_RETENTION_HOURS: z.coerce.number().positive().default(168),
  /** `processed_events` rows (the consumers' duplicate check) are deleted once older than this. */
  DEDUPE_WINDOW_HOURS: z.coerce.number().min(1).default(336),
  /** Rows one DELETE statement of the pruner removes at most. */
  PRUNE_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(1000),
  /** Statements per table one prune run issues at most; the rest waits for the next run. */
  PRUNE_MAX_BATCHES_PER_RUN: z.coerce.number().int().min(1).default(100),
  /** How often a replica tries to prune (one replica at a time does, under an advisory lock). */
  PRUNE_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
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
  kafka: {
    brokers: string[];
    clientId: string;
    consumerGroupPrefix: string;
    topicPrefix: string;
    /** `retention.ms` and `segment.ms` of the topics the service creates. */
    topicRetentionMs: number;
    topicSegmentMs: number;
  };
  identity: { secret: string; maxSkewSeconds: number };
  outbox: { pollIntervalMs: number; batchSize: number; listen: boolean; stuckAfterSeconds: number };
  consumer: {
    maxAttempts: number;
    backoffMs: number;
    partitionsConcurrently: number;
    lagIntervalMs: number;
    stallAfterMs: number;
  };
  /** Deleting old rows of the kit's tables (`EventTablePruner`). */
  prune: {
    outboxRetentionMs: number;
    dedupeWindowMs: number;
    batchSize: number;
    maxBatchesPerRun: number;
    intervalMs: number;
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
  const schema = z
    .object({
      ...serviceEnvShape,
      PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
    })
    .superRefine(
      (e, ctx) => {
        const problem = dedupeWindowProblem(e.DEDUPE_WINDOW_HOURS, e.TOPIC_RETENTION_HOURS);
        if (problem)
          ctx.addIssue({ code: 'custom', path: ['DEDUPE_WINDOW_HOURS'], message: problem });
      },
      // Checked alongside any other problem (every one is reported at once), unless one of the
      // two variables is itself invalid.
      {
        when: ({ issues }) =>
          !issues.some((i) =>
            ['DEDUPE_WINDOW_HOURS', 'TOPIC_RETENTION_HOURS'].includes(String(i.path?.[0])),
          ),
      },
    );
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
      topicRetentionMs: Math.round(e.TOPIC_RETENTION_HOURS * HOUR_MS),
      topicSegmentMs: Math.round(topicSegmentHours(e.TOPIC_RETENTION_HOURS) * HOUR_MS),
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
    prune: {
      outboxRetentionMs: Math.round(e.OUTBOX_RETENTION_HOURS * HOUR_MS),
      dedupeWindowMs: Math.round(e.DEDUPE_WINDOW_HOURS * HOUR_MS),
      batchSize: e.PRUNE_BATCH_SIZE,
      maxBatchesPerRun: e.PRUNE_MAX_BATCHES_PER_RUN,
      intervalMs: e.PRUNE_INTERVAL_MS,
    },
    http: { bodyLimitBytes: e.HTTP_BODY_LIMIT_BYTES },
    demoData: e.DEMO_DATA === 'true',
    version: e.SERVICE_VERSION,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    cpuProfileDir: e.CPU_PROFILE_DIR,
  };
}
