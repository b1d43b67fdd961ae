// One broker JVM of a data directory, from spawn to "answering": shared by the single broker
// (broker.ts) and each node of a cluster (cluster.ts).
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { KafkaBrokerError } from './errors';
import type { DataPaths } from './paths';
import { waitUntilAnswering } from './probe';
import {
  describeLogs,
  fileSize,
  readLivePid,
  removePidFileIfOwned,
  spawnBroker,
  terminate,
  watchExit,
  type ExitWatch,
} from './process';

export const DEFAULT_STOP_TIMEOUT_MS = 30_000;

/** A spawned broker JVM. */
export interface LaunchedNode {
  pid: number;
  exit: ExitWatch;
  /** SIGTERM, wait up to 30 s, then SIGKILL; removes the pid file. Safe to call more than once. */
  stop(): Promise<void>;
  /** SIGKILL at once (a crash), then the same clean-up as `stop`. */
  kill(): Promise<void>;
  /** This run's tail of the JVM's stdout and of server.log. */
  logs(): Promise<string>;
}

/** Fails when a broker JVM already runs on `paths`; otherwise clears a stale pid file. */
export async function assertNoBrokerRunning(paths: DataPaths): Promise<void> {
  await fsp.mkdir(paths.logsDir, { recursive: true });
  const running = await readLivePid(paths);
  if (running !== null) {
    throw new KafkaBrokerError(
      `A Kafka broker (pid ${running}) already runs on ${paths.dataDir}; stop it first ` +
        '(`npx tsx infra/kafka/cli.ts stop --data-dir ...` or its handle).',
    );
  }
  await fsp.rm(paths.pidFile, { force: true });
}

/** Spawns the broker of `paths` (server.properties written, storage formatted) and writes its pid file. */
export async function launchNode(
  java: string,
  libDir: string,
  paths: DataPaths,
  opts: {
    logFile?: string;
    detached: boolean;
    heap?: { min: string; max: string };
    /** Further JVM options, e.g. a cluster node's own hosts file. */
    jvmArgs?: readonly string[];
  },
): Promise<LaunchedNode> {
  const stdoutLog = path.resolve(opts.logFile ?? paths.defaultStdoutLog);
  await fsp.mkdir(path.dirname(stdoutLog), { recursive: true });
  // Remember where this run's output starts so an error shows this run's lines, not an old run's.
  const logOffsets = { stdout: await fileSize(stdoutLog), server: await fileSize(paths.serverLog) };

  const child = spawnBroker(java, libDir, paths, stdoutLog, opts.detached, opts.heap, opts.jvmArgs);
  const pid = child.pid;
  if (pid === undefined) {
    // spawn() reports ENOENT & co. asynchronously via 'error'; without a pid nothing started.
    const error = await new Promise<unknown>((resolve) => child.once('error', resolve));
    throw new KafkaBrokerError(`Could not spawn ${java}: ${String(error)}`);
  }
  const exit = watchExit(child);
  await fsp.writeFile(paths.pidFile, `${pid}\n`);

  // An embedded broker must not outlive a test run that forgot (or failed) to stop it.
  // 'exit' handlers run synchronously, so only a signal can be sent; the JVM then shuts down on its own.
  const onParentExit = (): void => {
    if (!exit.exited) child.kill('SIGTERM');
  };
  if (opts.detached) child.unref();
  else process.on('exit', onParentExit);

  let stopping: Promise<void> | null = null;
  const end = (how: () => Promise<void>): Promise<void> => {
    stopping ??= (async () => {
      try {
        await how();
      } finally {
        process.removeListener('exit', onParentExit);
        await removePidFileIfOwned(paths.pidFile, pid);
      }
    })();
    return stopping;
  };
  return {
    pid,
    exit,
    stop: () => end(() => terminate(pid, exit, DEFAULT_STOP_TIMEOUT_MS)),
    kill: () =>
      end(async () => {
        if (!exit.exited) child.kill('SIGKILL');
        await exit.promise;
      }),
    logs: () => describeLogs(stdoutLog, logOffsets.stdout, paths.serverLog, logOffsets.server),
  };
}

/**
 * Waits until the node answers on `brokers` (and the metadata lists `expectedBrokers`); on failure
 * stops it and throws a KafkaBrokerError carrying this run's logs.
 */
export async function waitUntilNodeReady(
  node: LaunchedNode,
  brokers: string[],
  deadline: number,
  expectedBrokers = 1,
): Promise<void> {
  try {
    await waitUntilAnswering(brokers, deadline, node.exit, expectedBrokers);
  } catch (error) {
    await node.stop().catch(() => undefined);
    const logs = await node.logs();
    const reason = error instanceof Error ? error.message : String(error);
    throw new KafkaBrokerError(`Kafka broker on ${brokers[0]} did not start: ${reason}\n${logs}`);
  }
}
