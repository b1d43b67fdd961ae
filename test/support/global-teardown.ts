import { rmSync } from 'node:fs';

/** Stops the broker the global setup started and removes its data. */
export default async function globalTeardown(): Promise<void> {
  const broker = globalThis.__LIYUAN_KAFKA__;
  if (!broker) return;
  await broker.stop();
  rmSync(broker.dataDir, { recursive: true, force: true });
  globalThis.__LIYUAN_KAFKA__ = undefined;
}
