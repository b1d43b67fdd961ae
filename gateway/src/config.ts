import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseEnv, type Env } from '@liyuan/kit';

const subgraphUrls = z
  .string()
  .optional()
  .transform((s, ctx) => {
    const map: Record<string, string> = {};
    for (const pair of (s ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [name, url] = pair.split('=');
      if (!name || !url || !URL.canParse(url)) {
        ctx.addIssue({ code: 'custom', message: `expected name=url pairs, got "${pair}"` });
        continue;
      }
      map[name.trim()] = url.trim();
    }
    return map;
  });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** The composed supergraph to serve (any composed supergraph works). */
  SUPERGRAPH_PATH: z
    .string()
    .min(1)
    .default(resolve(__dirname, '../../schemas/supergraph.graphql')),
  /** Overrides of the routing URLs in the supergraph, e.g. `residents=http://10.0.0.5:4001/graphql`. */
  SUBGRAPH_URLS: subgraphUrls,
  /** HS256 shared secret (development); with JWKS_PATH / JWKS_URL for RS256 and ES256 tokens. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** A JSON Web Key Set file, or a URL serving one, whose keys verify RS256 / ES256 tokens. */
  JWKS_PATH: z.string().min(1).optional(),
  JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().min(1).default('liyuan-dev'),
  JWT_AUDIENCE: z.string().min(1).default('liyuan-community'),
  /** The longest a token may live (exp - iat) and the oldest accepted (now - iat), in seconds. */
  JWT_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(60).default(86_400),
  IDENTITY_SECRET: z.string().min(32, 'must be at least 32 characters'),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  SUBGRAPH_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  SUBGRAPH_RETRY_BACKOFF_MS: z.coerce.number().int().min(0).default(100),
  SUBGRAPH_BREAKER_FAILURES: z.coerce.number().int().min(1).default(5),
  SUBGRAPH_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(100).default(10_000),
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** OTLP/HTTP collector base URL; traces are exported when set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** When set, SIGUSR2 starts and stops a CPU profile written to this directory. */
  CPU_PROFILE_DIR: z.string().min(1).optional(),
  /** How often the status page polls each subgraph's health and metrics. */
  STATUS_POLL_MS: z.coerce.number().int().min(100).default(2000),
  /** How often the supergraph file is checked for changes (hot reload). */
  SUPERGRAPH_POLL_MS: z.coerce.number().int().min(50).default(2000),
  MAX_DEPTH: z.coerce.number().int().min(1).default(10),
  MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  MAX_TOKENS: z.coerce.number().int().min(100).default(2000),
  MAX_DIRECTIVES: z.coerce.number().int().min(0).default(10),
  MAX_COST: z.coerce.number().int().min(100).default(30_000),
  /** Requests per minute per caller (user id, or address when anonymous), with bursts up to RATE_LIMIT_BURST. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(3000),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(300),
  /**
   * The PostgreSQL database the gateway replicas share their rate-limit buckets in (a table of its
   * own, created on start); unset, each replica counts alone and N replicas allow N times the rate.
   */
  RATE_LIMIT_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /**
   * Proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the client: behind an
   * ingress, anonymous callers are then limited by their own address, not the ingress's.
   */
  TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.string().refine((p) => {
          const [address, prefix, ...rest] = p.split('/');
          const family = isIP(address ?? '');
          if (family === 0 || rest.length) return false;
          if (prefix === undefined) return true;
          const n = Number(prefix);
          return /^\d+$/.test(prefix) && n >= 0 && n <= (family === 4 ? 32 : 128);
        }, 'an IPv4 or IPv6 address, or a CIDR range'),
      ),
    ),
  /** Only the operations in OPERATIONS_DIR are served; on by default when NODE_ENV=production. */
  SAFELIST: z.enum(['true', 'false']).optional(),
  OPERATIONS_DIR: z.string().min(1).default(resolve(__dirname, '../../test/operations')),
  /**
   * Keeps subgraph answers to queries and evicts them on the change announcements on Kafka
   * (`cache.invalidations`); needs KAFKA_BROKERS.
   */
  SUBGRAPH_CACHE: z.enum(['true', 'false']).default('false'),
  /** Bytes of answers (and their keys) the cache holds before it drops the least recently used. */
  SUBGRAPH_CACHE_MAX_MB: z.coerce.number().int().min(1).default(64),
  /** The longest an answer is kept, whatever happens: values computed from the clock age with it. */
  SUBGRAPH_CACHE_TTL_MS: z.coerce.number().int().min(100).default(30_000),
  /**
   * How long a read waits for the announcements to be read up to date before it skips the cache
   * (under saturation a skipped cache only adds work: the wait is generous).
   */
  SUBGRAPH_CACHE_FENCE_MS: z.coerce.number().int().min(10).default(1000),
  /** Subscriptions one WebSocket connection may hold open at once. */
  LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(20),
  /** Live-update connections (WebSocket or SSE streams) one caller may hold open on a replica. */
  LIVE_MAX_CONNECTIONS_PER_CALLER: z.coerce.number().int().min(1).default(10),
  /** Frames kept for a subscriber that does not read them; past this it is disconnected. */
  LIVE_MAX_BUFFERED: z.coerce.number().int().min(1).default(256),
  KAFKA_BROKERS: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  /** Prefixes the announcement topic (environments sharing a cluster), as the subgraphs' topics. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, underscore and dash only')
    .default(''),
});

/** The one place the gateway reads its environment. */
export function loadConfig(env: Env = process.env) {
  const e = parseEnv(
    schema
      .refine((c) => c.JWT_SECRET || c.JWKS_PATH || c.JWKS_URL, {
        message: 'set JWT_SECRET (HS256) or JWKS_PATH / JWKS_URL (RS256, ES256)',
        path: ['JWT_SECRET'],
      })
      .refine((c) => c.SUBGRAPH_CACHE === 'false' || c.KAFKA_BROKERS.length > 0, {
        message: 'the subgraph cache reads its evictions from Kafka: set KAFKA_BROKERS',
        path: ['KAFKA_BROKERS'],
      }),
    env,
  );
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    host: e.HOST,
    port: e.PORT,
    supergraphPath: e.SUPERGRAPH_PATH,
    subgraphUrls: e.SUBGRAPH_URLS,
    jwt: {
      secret: e.JWT_SECRET,
      jwksPath: e.JWKS_PATH,
      jwksUrl: e.JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      maxLifetimeSeconds: e.JWT_MAX_LIFETIME_SECONDS,
    },
    identitySecret: e.IDENTITY_SECRET,
    resilience: {
      timeoutMs: e.SUBGRAPH_TIMEOUT_MS,
      retries: e.SUBGRAPH_RETRIES,
      retryBackoffMs: e.SUBGRAPH_RETRY_BACKOFF_MS,
      breakerFailures: e.SUBGRAPH_BREAKER_FAILURES,
      breakerCooldownMs: e.SUBGRAPH_BREAKER_COOLDOWN_MS,
    },
    bodyLimitBytes: e.HTTP_BODY_LIMIT_BYTES,
    supergraphPollMs: e.SUPERGRAPH_POLL_MS,
    statusPollMs: e.STATUS_POLL_MS,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    cpuProfileDir: e.CPU_PROFILE_DIR,
    limits: {
      maxDepth: e.MAX_DEPTH,
      maxAliases: e.MAX_ALIASES,
      maxTokens: e.MAX_TOKENS,
      maxDirectives: e.MAX_DIRECTIVES,
      maxCost: e.MAX_COST,
    },
    rateLimit: {
      perMinute: e.RATE_LIMIT_PER_MINUTE,
      burst: e.RATE_LIMIT_BURST,
      databaseUrl: e.RATE_LIMIT_DATABASE_URL,
      trustedProxies: e.TRUSTED_PROXIES,
    },
    safelist: (e.SAFELIST ?? (e.NODE_ENV === 'production' ? 'true' : 'false')) === 'true',
    operationsDir: e.OPERATIONS_DIR,
    kafka: { brokers: e.KAFKA_BROKERS, topicPrefix: e.KAFKA_TOPIC_PREFIX },
    live: {
      maxSubscriptionsPerConnection: e.LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxConnectionsPerCaller: e.LIVE_MAX_CONNECTIONS_PER_CALLER,
      maxBuffered: e.LIVE_MAX_BUFFERED,
    },
    cache:
      e.SUBGRAPH_CACHE === 'true'
        ? {
            maxBytes: e.SUBGRAPH_CACHE_MAX_MB * 1024 * 1024,
            ttlMs: e.SUBGRAPH_CACHE_TTL_MS,
            fenceMs: e.SUBGRAPH_CACHE_FENCE_MS,
          }
        : undefined,
  };
}

export type GatewayConfig = ReturnType<typeof loadConfig>;
