import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { parseAllDocuments } from 'yaml';
import { freePort } from '@liyuan/kit';
import {
  ensureKafkaJars,
  startKafkaBroker,
  type KafkaBrokerHandle,
} from '../../infra/kafka/broker';
import { REPO_ROOT } from '../config';
import { benchConfig } from './config';

export const SUBGRAPHS = [
  'residents',
  'facilities',
  'shared-spaces',
  'volunteers',
  'mediation',
] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

const config = benchConfig();
export const ADMIN_DATABASE_URL = config.adminDatabaseUrl;

/**
 * The run's own database name for a service (dropped and recreated on every run): `bench_<service>`
 * for the benchmark, `<prefix>_<service>` for another tool (the soak).
 */
export const benchDatabase = (service: string, prefix = 'bench'): string =>
  `${prefix}_${service.replace(/-/g, '_')}`;

export function databaseUrl(service: string, prefix = 'bench'): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${benchDatabase(service, prefix)}`;
  return url.toString();
}

/** Drops and recreates `<prefix>_<service>` for every subgraph. */
export async function freshDatabases(prefix = 'bench'): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    for (const s of SUBGRAPHS) {
      await admin.query(`DROP DATABASE IF EXISTS ${benchDatabase(s, prefix)} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${benchDatabase(s, prefix)}`);
    }
  } finally {
    await admin.end();
  }
}

/** Drops `<prefix>_<service>` for every subgraph. */
export async function dropDatabases(prefix: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    for (const s of SUBGRAPHS)
      await admin.query(`DROP DATABASE IF EXISTS ${benchDatabase(s, prefix)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * The Node options a process is deployed with: `NODE_OPTIONS` from its ConfigMap in `infra/k8s/`
 * (the heap ceiling that keeps it inside its memory limit), so the benchmark measures the processes
 * as they run in production.
 */
export function deployedNodeOptions(name: string): string {
  const file = join(REPO_ROOT, 'infra', 'k8s', `${name}.yaml`);
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const o = doc.toJS() as { kind?: string; data?: Record<string, string> } | null;
    if (o?.kind === 'ConfigMap' && o.data?.NODE_OPTIONS) return o.data.NODE_OPTIONS;
  }
  throw new Error(`${file} has no ConfigMap with NODE_OPTIONS`);
}

/** V8 heap in use and reserved (MiB) from a process's Prometheus /metrics, if it answers. */
export async function heapOf(
  p: BenchProcess,
): Promise<{ heapUsed: number; heapTotal: number } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${p.port}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return undefined;
    const text = await res.text();
    const metric = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)?.[1]) / 2 ** 20;
    const heapUsed = metric('nodejs_heap_size_used_bytes');
    const heapTotal = metric('nodejs_heap_size_total_bytes');
    return Number.isFinite(heapUsed) ? { heapUsed, heapTotal } : undefined;
  } catch {
    return undefined;
  }
}

/** The subgraph cache's outcomes so far (hit, miss, bypass, not_kept; all subgraphs summed). */
export async function cacheOutcomesOf(p: BenchProcess): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  try {
    const res = await fetch(`http://127.0.0.1:${p.port}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });
    for (const m of (await res.text()).matchAll(
      /^gateway_subgraph_cache_total\{[^}]*outcome="([^"]+)"[^}]*\} ([0-9.e+]+)$/gm,
    ))
      out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  } catch {
    // No figures: the table shows none for this run.
  }
  return out;
}

/** One process of the run: a subgraph, the gateway or the peer gateway. */
export interface BenchProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  /** Highest VmRSS sampled (MiB) since the last reset. */
  sampledPeakMiB: number;
}

export function spawnProcess(
  name: string,
  args: string[],
  port: number,
  env: Record<string, string>,
  logDir: string,
): BenchProcess {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...config.inherited, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    child,
    logFile,
    exited,
    sampledPeakMiB: 0,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `path` on the process until it answers 2xx, or fails at the deadline or on exit. */
export async function waitHttpReady(
  p: BenchProcess,
  path: string,
  timeoutMs = 180_000,
  init?: RequestInit,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) break;
    try {
      const res = await fetch(`http://127.0.0.1:${p.port}${path}`, {
        ...init,
        signal: AbortSignal.timeout(5000),
      });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(300);
  }
  const tail = existsSync(p.logFile)
    ? readFileSync(p.logFile, 'utf8').split('\n').slice(-15).join('\n')
    : '';
  throw new Error(`${p.name} did not become ready; last lines of ${p.logFile}:\n${tail}`);
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. */
export async function stopProcess(p: BenchProcess, graceMs = 20_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used by the PostgreSQL server: the postmaster's own and reaped children's time (so a
 * backend that exited during the measurement still counts) plus every live server process's.
 */
export function postgresCpuSeconds(): number {
  const procs: { pid: number; ppid: number; fields: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.push({ pid: Number(entry), ppid: Number(fields[1]), fields });
    } catch {
      // exited meanwhile
    }
  }
  const pids = new Set(procs.map((p) => p.pid));
  let ticks = 0;
  for (const p of procs) {
    // utime, stime; for the postmaster also cutime, cstime (its exited backends).
    ticks += Number(p.fields[11]) + Number(p.fields[12]);
    if (!pids.has(p.ppid)) ticks += Number(p.fields[13]) + Number(p.fields[14]);
  }
  return ticks / 100;
}

/** VmRSS and VmHWM (MiB) of a pid from /proc, or undefined when it is gone. */
export function memoryOf(pid: number | undefined): { rss: number; hwm: number } | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

export { ensureKafkaJars, freePort, startKafkaBroker, mkdirSync, type KafkaBrokerHandle };
