import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  ensureKafkaJars,
  startKafkaBroker,
  type KafkaBrokerHandle,
} from '../../infra/kafka/broker';
import { exportToWorkers, testEnv } from './config';

declare global {
  var __LIYUAN_KAFKA__: KafkaBrokerHandle | undefined;
}

/**
 * Once per test run: checks PostgreSQL answers and starts the real Kafka broker (unless
 * KAFKA_BROKERS points at one), so every test file shares one broker and its own topics.
 */
export default async function globalSetup(): Promise<void> {
  const env = testEnv();
  const pg = new Client({ connectionString: env.adminDatabaseUrl });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${env.adminDatabaseUrl} (${String(err)}). Start it or set DATABASE_URL.`,
    );
  } finally {
    await pg.end().catch(() => undefined);
  }
  if (env.kafkaBrokers?.length) return;
  await ensureKafkaJars();
  const dataDir = mkdtempSync(join(tmpdir(), 'liyuan-test-kafka-'));
  const broker = await startKafkaBroker({ dataDir });
  globalThis.__LIYUAN_KAFKA__ = broker;
  exportToWorkers('KAFKA_BROKERS', broker.brokers.join(','));
  exportToWorkers('TEST_KAFKA_DATA_DIR', dataDir);
}
