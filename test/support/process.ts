import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@liyuan/kit';
import { TEST_SECRETS, testEnv } from './config';
import { TOPIC_PREFIX, testBrokers } from './kafka';
import type { ServiceName } from './stack';
import { waitFor } from './wait';

const ROOT = join(__dirname, '..', '..');

/** A subgraph running as its own operating-system process, as it does in production. */
export interface ServiceProcess {
  name: ServiceName;
  port: number;
  url: string;
  child: ChildProcess;
  /** Its log lines (JSON), stdout and stderr together. */
  output: string[];
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `services/<name>/src/main.ts` with tsx on a free port against `databaseUrl` and the test
 * broker, and waits until it answers /health/live (readiness is the caller's business).
 */
export async function spawnService(
  name: ServiceName,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  // One process (node with tsx's loader), not the tsx wrapper that forks a second: a signal must
  // reach the service itself, or a "killed" service would live on as an orphan.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'services', name, 'src', 'main.ts')],
    {
      cwd: ROOT,
      env: {
        PATH: testEnv().path,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        KAFKA_BROKERS: testBrokers().join(','),
        KAFKA_TOPIC_PREFIX: TOPIC_PREFIX,
        IDENTITY_SECRET: TEST_SECRETS.identity,
        OUTBOX_POLL_INTERVAL_MS: '200',
        DATABASE_POOL_SIZE: '5',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const collect = (chunk: Buffer) =>
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `${name} process to listen`,
    async () => {
      if (gone) throw new Error(`${name} exited: ${output.slice(-10).join('\n')}`);
      const res = await fetch(`${url}/health/live`).catch(() => undefined);
      return res?.ok ? true : undefined;
    },
    60_000,
    200,
  );
  return { name, port, url: `${url}/graphql`, child, output, exited };
}

/** Stops the process if it still runs (SIGKILL after a grace period) and waits for it. */
export async function ensureStopped(p: ServiceProcess | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(timer);
}
