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
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  JWT_ISSUER: z.string().min(1).default('liyuan-dev'),
  JWT_AUDIENCE: z.string().min(1).default('liyuan-community'),
  IDENTITY_SECRET: z.string().min(32, 'must be at least 32 characters'),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
});

/** The one place the gateway reads its environment. */
export function loadConfig(env: Env = process.env) {
  const e = parseEnv(schema, env);
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    host: e.HOST,
    port: e.PORT,
    supergraphPath: e.SUPERGRAPH_PATH,
    subgraphUrls: e.SUBGRAPH_URLS,
    jwt: { secret: e.JWT_SECRET, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
    identitySecret: e.IDENTITY_SECRET,
    subgraphTimeoutMs: e.SUBGRAPH_TIMEOUT_MS,
    bodyLimitBytes: e.HTTP_BODY_LIMIT_BYTES,
  };
}

export type GatewayConfig = ReturnType<typeof loadConfig>;
