// The broker JVM as a process: spawn, exit watch, stop (SIGTERM, then SIGKILL), the pid file and
// this run's log tail for error messages.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { describeExit, LOG_TAIL_BYTES } from './command';
import { loadKafkaToolConfig } from './config';
import { isErrnoException, KafkaBrokerError } from './errors';
import { log4jArgs, type DataPaths } from './paths';

/** After SIGKILL the kernel reaps promptly; this only bounds a pathological wait. */
const KILL_GRACE_MS = 5_000;

const EXIT_POLL_INTERVAL_MS = 100;

/** JVM flags for the broker: a small heap suits a dev box; the GC flags are Kafka's own defaults. */
const BROKER_HEAP = { min: '256m', max: '512m' };

const BROKER_JVM_ARGS: readonly string[] = [
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  // A half-dead broker after an OOM is worse than a dead one: the harness sees the exit.
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

export interface ExitWatch {
  exited: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  promise: Promise<void>;
}

export function watchExit(child: ChildProcess): ExitWatch {
  const watch: ExitWatch = { exited: false, code: null, signal: null, promise: Promise.resolve() };
  watch.promise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      watch.exited = true;
      watch.code = code;
      watch.signal = signal;
      resolve();
    });
    child.once('error', () => {
      watch.exited = true;
      resolve();
    });
  });
  return watch;
}

export function spawnBroker(
  java: string,
  libDir: string,
  paths: DataPaths,
  stdoutLog: string,
  detached: boolean,
  heap: { min: string; max: string } = BROKER_HEAP,
  jvmArgs: readonly string[] = [],
): ChildProcess {
  const args = [
    `-Xms${heap.min}`,
    `-Xmx${heap.max}`,
    ...BROKER_JVM_ARGS,
    ...jvmArgs,
    ...log4jArgs(paths),
    '-cp',
    path.join(libDir, '*'),
    'kafka.Kafka',
    paths.serverProperties,
  ];
  // The child gets its own descriptor on the log file: output survives this process (detached
  // mode) and nobody has to drain a pipe.
  const out = fs.openSync(stdoutLog, 'a');
  try {
    return spawn(java, args, {
      cwd: paths.dataDir,
      detached,
      stdio: ['ignore', out, out],
      env: loadKafkaToolConfig().childEnv,
    });
  } finally {
    fs.closeSync(out);
  }
}

/**
 * SIGTERM (Kafka's controlled shutdown), wait, then SIGKILL. `exit` is the child's exit watch when
 * this process spawned it; otherwise (pid from a pid file) liveness is polled.
 */
export async function terminate(
  pid: number,
  exit: ExitWatch | null,
  timeoutMs: number,
): Promise<void> {
  const gone = (): boolean => (exit ? exit.exited : !isProcessAlive(pid));
  if (gone()) return;
  signalProcess(pid, 'SIGTERM');
  if (await waitUntil(gone, Date.now() + timeoutMs, exit?.promise)) return;
  signalProcess(pid, 'SIGKILL');
  if (await waitUntil(gone, Date.now() + KILL_GRACE_MS, exit?.promise)) return;
  throw new KafkaBrokerError(`Kafka broker pid ${pid} did not exit after SIGTERM and SIGKILL.`);
}

async function waitUntil(
  done: () => boolean,
  deadline: number,
  wake?: Promise<void>,
): Promise<boolean> {
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await Promise.race(
      wake ? [delay(EXIT_POLL_INTERVAL_MS), wake] : [delay(EXIT_POLL_INTERVAL_MS)],
    );
  }
  return true;
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    // Already gone between the liveness check and the signal: that's the outcome we want.
    if (!(isErrnoException(error) && error.code === 'ESRCH')) throw error;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return isErrnoException(error) && error.code === 'EPERM';
  }
}

/**
 * The broker process of this data directory, if one runs: the pid file's process when it is alive
 * and (where /proc can tell) really is that broker, so a stale pid file never makes `stop` signal an
 * unrelated, reused pid. Without a usable pid file, /proc is scanned for the broker's command line:
 * a second JVM on the same directory must be prevented, because Kafka 4.1 opens the metadata log
 * before it takes the log directory's lock, and reading a live log can trip (or recover, i.e.
 * truncate) it.
 */
export async function readLivePid(paths: DataPaths): Promise<number | null> {
  const fromFile = await readPidFile(paths.pidFile);
  if (fromFile !== null && isProcessAlive(fromFile)) {
    const argv = await readCommandLine(fromFile);
    // No procfs (macOS): trust a live pid.
    if (argv === null) return hasProcfs() ? null : fromFile;
    if (isBrokerCommandLine(argv, paths)) return fromFile;
  }
  return hasProcfs() ? findBrokerProcess(paths) : null;
}

async function readPidFile(pidFile: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await fsp.readFile(pidFile, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function hasProcfs(): boolean {
  return fs.existsSync('/proc/self/cmdline');
}

async function readCommandLine(pid: number): Promise<string[] | null> {
  try {
    return (await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch {
    return null;
  }
}

function isBrokerCommandLine(argv: string[], paths: DataPaths): boolean {
  return argv.includes('kafka.Kafka') && argv.includes(paths.serverProperties);
}

async function findBrokerProcess(paths: DataPaths): Promise<number | null> {
  for (const entry of await fsp.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const argv = await readCommandLine(pid);
    if (argv !== null && isBrokerCommandLine(argv, paths)) return pid;
  }
  return null;
}

export async function removePidFileIfOwned(pidFile: string, pid: number): Promise<void> {
  // A newer broker may already have written its own pid there; leave that one alone.
  if ((await readPidFile(pidFile)) === pid) await fsp.rm(pidFile, { force: true });
}

export function describeExitWatch(exit: ExitWatch): string {
  return exit.signal || exit.code !== null ? describeExit(exit) : 'could not be spawned';
}

export async function fileSize(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}

/** This run's part of a log file (from `offset`), cut to its last `maxBytes`. */
async function readLogSince(file: string, offset: number, maxBytes: number): Promise<string> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(file, 'r');
    const size = (await handle.stat()).size;
    // A rolled-over file restarts at 0.
    const from = Math.max(size < offset ? 0 : offset, size - maxBytes);
    const buffer = Buffer.alloc(size - from);
    await handle.read(buffer, 0, buffer.length, from);
    return buffer.toString('utf8');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}

export async function describeLogs(
  stdoutLog: string,
  stdoutOffset: number,
  serverLog: string,
  serverOffset: number,
): Promise<string> {
  const parts: string[] = [];
  for (const [file, offset] of [
    [serverLog, serverOffset],
    [stdoutLog, stdoutOffset],
  ] as const) {
    const text = (await readLogSince(file, offset, LOG_TAIL_BYTES)).trim();
    parts.push(`--- ${file} (this run, tail) ---\n${text || '(empty)'}`);
  }
  return parts.join('\n');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
