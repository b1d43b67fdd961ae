import { z } from 'zod';
import { parseEnv } from '@liyuan/kit';

/**
 * The one place the test suite reads its environment. PostgreSQL defaults to this machine's server
 * (trust auth); the tests create and drop their own databases there. KAFKA_BROKERS is set by the
 * global setup when it starts the local broker.
 */
export function testEnv() {
  const e = parseEnv(
    z.object({
      DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
      KAFKA_BROKERS: z.string().optional(),
      TEST_KAFKA_DATA_DIR: z.string().optional(),
      PATH: z.string().default(''),
    }),
    process.env,
  );
  return {
    adminDatabaseUrl: e.DATABASE_URL,
    kafkaBrokers: e.KAFKA_BROKERS?.split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    kafkaDataDir: e.TEST_KAFKA_DATA_DIR,
    /** Passed on to the service processes tests spawn (nothing else of this environment is). */
    path: e.PATH,
  };
}

/** Secrets used only by tests (long enough to pass config validation). */
export const TEST_SECRETS = {
  jwt: 'test-jwt-secret-0123456789abcdef0123456789',
  identity: 'test-identity-secret-0123456789abcdef012345',
};

/** Sets an environment variable for the worker processes Jest spawns after global setup. */
export function exportToWorkers(name: string, value: string): void {
  process.env[name] = value;
}
