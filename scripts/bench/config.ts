import { z } from 'zod';
import { parseEnv, type Env } from '@liyuan/kit';

/** The one place the benchmark reads its environment. */
export function benchConfig(env: Env = process.env) {
  const e = parseEnv(
    z.object({
      /** Admin URL of the PostgreSQL server the bench_<service> databases are created on. */
      BENCH_DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/postgres'),
      PATH: z.string().default(''),
      HOME: z.string().default(''),
    }),
    env,
  );
  return {
    adminDatabaseUrl: e.BENCH_DATABASE_URL,
    /** What the processes the benchmark starts inherit (everything else is set explicitly). */
    inherited: { PATH: e.PATH, HOME: e.HOME },
  };
}

/** The peer gateway process's environment, set by the benchmark. */
export function peerConfig(env: Env = process.env) {
  const e = parseEnv(
    z.object({
      PEER_SUPERGRAPH: z.string().min(1),
      PORT: z.coerce.number().int().min(0).max(65535).default(0),
    }),
    env,
  );
  return { supergraph: e.PEER_SUPERGRAPH, port: e.PORT };
}
