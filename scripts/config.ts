import { resolve } from 'node:path';
import { z } from 'zod';
import { parseEnv, type Env } from '@liyuan/kit';

export const REPO_ROOT = resolve(__dirname, '..');

/** The subgraphs `npm start` runs, each a process of its own with its own database and demo data. */
export const LOCAL_SUBGRAPHS = [
  { name: 'residents', entry: 'services/residents/src/main.ts', demo: true },
  { name: 'facilities', entry: 'services/facilities/src/main.ts', demo: true },
  { name: 'shared-spaces', entry: 'services/shared-spaces/src/main.ts', demo: true },
  { name: 'volunteers', entry: 'services/volunteers/src/main.ts', demo: true },
  { name: 'mediation', entry: 'services/mediation/src/main.ts', demo: true },
];

/** Each subgraph's well-known port; `<NAME>_PORT` (e.g. RESIDENTS_PORT) overrides it. */
export const DEFAULT_PORTS: Record<string, number> = {
  residents: 4001,
  facilities: 4002,
  'shared-spaces': 4003,
  volunteers: 4004,
  mediation: 4005,
};
const portVariable = (name: string): string => `${name.replace(/-/g, '_').toUpperCase()}_PORT`;

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/**
 * The one place the local run scripts (`npm start`, `npm run token`, `npm run dlq:replay`) read the
 * environment. Everything has a default, so `npm start` works on a fresh machine.
 */
export function loadScriptConfig(env: Env = process.env) {
  const e = parseEnv(
    z.object({
      /** An existing Kafka; when absent, npm start runs the local broker from infra/kafka. */
      KAFKA_BROKERS: z.string().optional(),
      KAFKA_PORT: port(9092),
      /** A PostgreSQL server; each service gets its own database `liyuan_<service>` on it. Absent: an embedded PostgreSQL server per service. */
      DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
      DATA_DIR: z.string().default(resolve(REPO_ROOT, '.data')),
      GATEWAY_PORT: port(4000),
      ...Object.fromEntries(
        Object.entries(DEFAULT_PORTS).map(([name, p]) => [portVariable(name), port(p)]),
      ),
      JWT_SECRET: z.string().min(32).optional(),
      IDENTITY_SECRET: z.string().min(32).optional(),
      LOG_LEVEL: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
      GATEWAY_URL: z.url().optional(),
    }),
    env,
  );
  return {
    kafkaBrokers: e.KAFKA_BROKERS?.split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    kafkaPort: e.KAFKA_PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.DATA_DIR),
    ports: {
      gateway: e.GATEWAY_PORT,
      ...Object.fromEntries(
        Object.keys(DEFAULT_PORTS).map((name) => [
          name,
          Number(e[portVariable(name) as keyof typeof e]),
        ]),
      ),
    } as Record<string, number>,
    secrets: { jwt: e.JWT_SECRET, identity: e.IDENTITY_SECRET },
    logLevel: e.LOG_LEVEL,
    gatewayUrl: e.GATEWAY_URL ?? `http://127.0.0.1:${e.GATEWAY_PORT}/graphql`,
    /** Passed through to child processes so they find node and their home. */
    path: env.PATH ?? '',
    home: env.HOME ?? '',
  };
}

export type ScriptConfig = ReturnType<typeof loadScriptConfig>;
