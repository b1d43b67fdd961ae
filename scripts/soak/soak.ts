import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { seededRandom } from '@liyuan/kit';
import { issueToken } from '../../gateway/src/auth';
import { startKafkaCluster, type KafkaClusterHandle } from '../../infra/kafka/cluster';
import { startTcpProxy, type TcpProxy } from '../../test/support/tcp-proxy';
import { REPO_ROOT } from '../config';
import {
  ADMIN_DATABASE_URL,
  databaseUrl,
  deployedNodeOptions,
  dropDatabases,
  ensureKafkaJars,
  freePort,
  freshDatabases,
  spawnProcess,
  startKafkaBroker,
  stopProcess,
  SUBGRAPHS,
  waitHttpReady,
  type BenchProcess,
  type KafkaBrokerHandle,
  type SubgraphName,
} from '../bench/stack';
import { loadDataSet } from '../bench/workloads';
import {
  checkInvariants,
  deadLetters,
  groupLag,
  unsentOutbox,
  type GroupDelivery,
  type InvariantResult,
} from './invariants';
import { MIX, SoakLoad, type RequestRecord, type Workload } from './load';
import {
  prometheusInstalled,
  startPrometheus,
  type FiredAlert,
  type SoakPrometheus,
} from './prometheus';
import { RssSampler, type RssFigures } from './rss';
import { faultSchedule, type FaultKind, type PlannedFault } from './schedule';

export interface SoakOptions {
  minutes: number;
  /** 1: one broker; 3: a KRaft cluster whose nodes the soak also kills. */
  brokers: number;
  seed: number;
  /** Requests per second through the gateway (the W1/W2/W3/E1/E2 mix). */
  rate: number;
  /** Where report.json, report.txt and the processes' logs go. */
  outDir: string;
  /** The services' databases are `<prefix>_<service>`, recreated at the start. */
  databasePrefix: string;
  /** Drop the databases at the end (the test does; the command keeps them for inspection). */
  dropDatabases: boolean;
  /** Run a Prometheus with the project's alerts (scaled by `alertFactor`) and check what fired. */
  prometheus: boolean;
  alertFactor: number;
  /** RSS sampling interval. */
  sampleMs: number;
  /** Skip `npm run build` (the bundles in dist/ are current). */
  skipBuild: boolean;
  /**
   * DATABASE_POOL_SIZE of every subgraph; the service's default (10) unless given. The test sets a
   * smaller one: it shares the PostgreSQL server's 100 connections with the other test files.
   */
  databasePoolSize?: number;
  log: (line: string) => void;
}

export const DEFAULT_OPTIONS: Omit<SoakOptions, 'minutes'> = {
  brokers: 1,
  seed: 1,
  rate: 12,
  outDir: join(REPO_ROOT, '.data', 'soak'),
  databasePrefix: 'soak',
  dropDatabases: false,
  prometheus: true,
  alertFactor: 10,
  sampleMs: 2000,
  skipBuild: false,
  log: (line) => void process.stdout.write(`${line}\n`),
};

/** A fault as it happened: ms from the start of the load. */
export interface InjectedFault extends PlannedFault {
  startedMs: number;
  /** When the target was restarted or restored. */
  restoredMs: number;
  /** When the target answered /health/ready again. */
  readyMs: number;
  /** Requests under way between the start and readiness plus the grace, and how many failed. */
  errors: number;
  requests: number;
  /** Alerts this fault should fire, and whether each did and resolved afterwards. */
  alerts: {
    alertname: string;
    labels: Record<string, string>;
    fired: boolean;
    resolved: boolean;
  }[];
}

export interface WorkloadFigures {
  requests: number;
  ok: number;
  conflicts: number;
  errors: number;
  /** Errors outside every fault window. */
  errorsOutsideFaults: number;
  requestsOutsideFaults: number;
  p50Ms: number;
  p99Ms: number;
  errorCodes: Record<string, number>;
}

export interface SoakReport {
  date: string;
  options: Omit<SoakOptions, 'log'>;
  durationS: number;
  warmupS: number;
  workloads: Record<Workload, WorkloadFigures>;
  totals: {
    requests: number;
    errors: number;
    errorsOutsideFaults: number;
    requestsOutsideFaults: number;
  };
  /** The first errors outside every fault window (s from the start, workload, code). */
  errorsOutsideFaultsSample: { s: number; workload: Workload; code: string }[];
  faults: InjectedFault[];
  drain: { seconds: number; unsent: Record<string, number>; lag: Record<string, number> };
  deadLetters: Record<string, number>;
  invariants: InvariantResult[];
  deliveries: GroupDelivery[];
  rss: Record<string, RssFigures>;
  /** Every process the soak started (its last pid), so a caller can check none is left. */
  processes: Record<string, number>;
  alerts?: { factor: number; fired: FiredAlert[]; unexpected: FiredAlert[] };
  /** Problems that make the run fail: broken invariants, faults not injected, errors. */
  failures: string[];
}

/** After a fault's target is ready again, errors still count against it for this long. */
const GRACE_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what} ${last ? String(last) : ''}`,
      );
    await sleep(intervalMs);
  }
}

/** A subgraph or the gateway: restartable with the same port and environment. */
interface Managed {
  name: string;
  port: number;
  args: string[];
  env: Record<string, string>;
  proc: BenchProcess;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;

/** The alerts a fault should fire, by the rules in infra/prometheus/alerts.yml. */
function expectedAlerts(
  fault: PlannedFault,
  ports: Record<string, number>,
): { alertname: string; labels: Record<string, string> }[] {
  switch (fault.kind) {
    case 'kill-subgraph':
      // Prometheus cannot scrape the killed process.
      return [
        { alertname: 'ServiceDown', labels: { instance: `127.0.0.1:${ports[fault.target]}` } },
      ];
    case 'cut-database':
      // Every resolver that reads or writes fails without a client code (INTERNAL_SERVER_ERROR),
      // well above 1% of the subgraph's requests while the cut lasts; and the relay cannot read
      // its outbox, so every iteration counts a publish failure.
      return [
        { alertname: 'InternalErrorsRatio', labels: { service: fault.target } },
        { alertname: 'OutboxPublishFailing', labels: { service: fault.target } },
      ];
    case 'kill-broker':
      // One node of three: topics have replication 3 and min ISR 2, so publishing and consuming
      // go on; none of these rules should fire (under-replication has a rule of its own elsewhere).
      return [];
  }
}

/**
 * Runs the soak: starts the system as real processes, runs the load with the seeded faults for
 * `minutes`, drains, checks the invariants and returns the report (also written to
 * `<outDir>/report.json` and `report.txt`). Everything it started is stopped before it returns.
 */
export async function runSoak(
  partial: Partial<SoakOptions> & { minutes: number },
): Promise<SoakReport> {
  const opts: SoakOptions = { ...DEFAULT_OPTIONS, ...partial };
  const say = opts.log;
  const logDir = join(opts.outDir, 'logs');
  rmSync(opts.outDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const kafkaDir = mkdtempSync(join(tmpdir(), 'liyuan-soak-kafka-'));
  const random = seededRandom(opts.seed);
  const durationMs = Math.round(opts.minutes * 60_000);
  const warmupMs = Math.min(60_000, Math.round(durationMs * 0.08));
  const failures: string[] = [];

  let broker: KafkaBrokerHandle | undefined;
  let cluster: KafkaClusterHandle | undefined;
  const proxies: Partial<Record<SubgraphName, TcpProxy>> = {};
  const managed: Record<string, Managed> = {};
  let prometheus: SoakPrometheus | undefined;
  let load: SoakLoad | undefined;
  let sampler: RssSampler | undefined;

  let stopping: Promise<void> | undefined;
  const stopEverything = (): Promise<void> =>
    (stopping ??= (async () => {
      sampler?.stop();
      await load?.stop().catch(() => undefined);
      await prometheus?.stop().catch(() => undefined);
      if (managed.gateway?.proc) await stopProcess(managed.gateway.proc).catch(() => undefined);
      await Promise.all(
        SUBGRAPHS.filter((s) => managed[s]?.proc).map((s) =>
          stopProcess(managed[s]!.proc).catch(() => undefined),
        ),
      );
      for (const p of Object.values(proxies)) await p?.close().catch(() => undefined);
      await broker?.stop().catch(() => undefined);
      await cluster?.stop().catch(() => undefined);
      rmSync(kafkaDir, { recursive: true, force: true });
      if (opts.dropDatabases) await dropDatabases(opts.databasePrefix).catch(() => undefined);
    })());
  stopRunning = stopEverything;

  const start = (m: Managed): BenchProcess => {
    m.proc = spawnProcess(m.name, m.args, m.port, m.env, logDir);
    return m.proc;
  };

  try {
    if (!opts.skipBuild) {
      say('building the bundles (npm run build)...');
      execFileSync('npm', ['run', '-s', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
    }
    say(`fresh databases ${opts.databasePrefix}_<service>...`);
    await freshDatabases(opts.databasePrefix);
    await ensureKafkaJars();
    if (opts.brokers > 1) {
      say(`starting a ${opts.brokers}-node Kafka cluster...`);
      cluster = await startKafkaCluster({ dataDir: kafkaDir, brokers: opts.brokers });
    } else {
      say('starting the Kafka broker...');
      broker = await startKafkaBroker({ dataDir: kafkaDir });
    }
    const brokers = (cluster ?? broker)!.brokers;

    // Each subgraph reaches PostgreSQL through a TCP proxy the soak can cut.
    const pg = new URL(ADMIN_DATABASE_URL);
    const directUrls = Object.fromEntries(
      SUBGRAPHS.map((s) => [s, databaseUrl(s, opts.databasePrefix)]),
    ) as Record<SubgraphName, string>;
    const identitySecret = randomBytes(32).toString('hex');
    const jwt = {
      secret: randomBytes(32).toString('hex'),
      issuer: 'liyuan-dev',
      audience: 'liyuan-community',
    };
    for (const name of SUBGRAPHS) {
      const proxy = await startTcpProxy(pg.hostname, Number(pg.port || 5432));
      proxies[name] = proxy;
      const viaProxy = new URL(directUrls[name]);
      viaProxy.port = String(proxy.port);
      const port = await freePort();
      managed[name] = {
        name,
        port,
        args: [join(REPO_ROOT, 'dist', name, 'main.js')],
        env: {
          NODE_ENV: 'production',
          LOG_LEVEL: 'info',
          HOST: '127.0.0.1',
          PORT: String(port),
          DATABASE_URL: viaProxy.toString(),
          KAFKA_BROKERS: brokers.join(','),
          IDENTITY_SECRET: identitySecret,
          DEMO_DATA: 'true',
          NODE_OPTIONS: deployedNodeOptions(name),
          ...(opts.databasePoolSize ? { DATABASE_POOL_SIZE: String(opts.databasePoolSize) } : {}),
        },
        proc: undefined as unknown as BenchProcess,
      };
      start(managed[name]);
    }
    say('waiting for the subgraphs (demo data loads on first start)...');
    await Promise.all(SUBGRAPHS.map((s) => waitHttpReady(managed[s]!.proc, '/health/ready')));
    const gatewayPort = await freePort();
    managed.gateway = {
      name: 'gateway',
      port: gatewayPort,
      args: [join(REPO_ROOT, 'dist', 'gateway', 'main.js')],
      env: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: String(gatewayPort),
        JWT_SECRET: jwt.secret,
        IDENTITY_SECRET: identitySecret,
        SUBGRAPH_URLS: SUBGRAPHS.map((s) => `${s}=${managed[s]!.proc.url}`).join(','),
        // The load calls as one staff user and a few residents: not the per-caller limit's test.
        RATE_LIMIT_PER_MINUTE: '100000000',
        RATE_LIMIT_BURST: '1000000',
        // W2 and the soak's mutations are not in the production safelist (test/operations).
        SAFELIST: 'false',
        NODE_OPTIONS: deployedNodeOptions('gateway'),
      },
      proc: undefined as unknown as BenchProcess,
    };
    start(managed.gateway);
    await waitHttpReady(managed.gateway.proc, '/health/ready');
    const ports = Object.fromEntries(Object.values(managed).map((m) => [m.name, m.port]));

    if (opts.prometheus) {
      if (!prometheusInstalled())
        throw new Error(
          'prometheus is not installed (apt-get install -y prometheus), or run with --no-prometheus',
        );
      prometheus = await startPrometheus({
        dir: join(opts.outDir, 'prometheus'),
        targets: Object.values(managed).map((m) => `127.0.0.1:${m.port}`),
        factor: opts.alertFactor,
        intervalS: 1,
      });
      say(`Prometheus at ${prometheus.url} (rules' durations divided by ${opts.alertFactor})`);
    }

    // The demo data's events settle before the load: what follows is the soak's own.
    say('waiting for the demo events to be published and consumed...');
    await waitUntil(
      'the demo events to drain',
      async () => ((await drainState(directUrls, brokers)).drained ? true : undefined),
      240_000,
      2000,
    );

    const token = await issueToken(jwt, { sub: 'soak-staff', roles: ['staff'] });
    const staff = { authorization: `Bearer ${token}` };
    const { bodies, data } = await loadDataSet(managed.gateway.proc.url, staff, random);
    const volunteersDb = new Client({ connectionString: directUrls.volunteers });
    await volunteersDb.connect();
    const { rows: volunteerRows } = await volunteersDb.query<{ resident_id: string }>(
      `SELECT v.resident_id FROM volunteers v WHERE v.resident_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM time_bank t WHERE t.volunteer_id = v.id) ORDER BY v.resident_id LIMIT 40`,
    );
    await volunteersDb.end();
    const volunteers = await Promise.all(
      volunteerRows.map(async (r) => ({
        authorization: `Bearer ${await issueToken(jwt, {
          sub: `resident-${r.resident_id}`,
          roles: ['resident'],
          residentId: r.resident_id,
        })}`,
      })),
    );
    if (!volunteers.length)
      throw new Error('the demo data has no volunteer with time-bank entries');
    say(
      `data set: ${data.residents} residents, ${data.facilities} open facilities, ${volunteers.length} volunteers redeeming`,
    );

    const kinds: FaultKind[] = ['kill-subgraph', 'cut-database'];
    if (cluster) kinds.push('kill-broker');
    const schedule = faultSchedule({
      seed: opts.seed,
      durationMs,
      warmupMs,
      kinds,
      subgraphs: SUBGRAPHS,
      brokerNodes: cluster?.nodes.map((n) => n.nodeId) ?? [],
    });
    say(
      `soak: ${opts.minutes} min at ${opts.rate} req/s, seed ${opts.seed}, ${schedule.length} faults: ` +
        schedule
          .map(
            (f) =>
              `${f.kind} ${f.target} at ${Math.round(f.atMs / 1000)} s for ${Math.round(f.holdMs / 1000)} s`,
          )
          .join('; '),
    );

    const startedAt = Date.now();
    sampler = new RssSampler(() => {
      const pids: Record<string, number | undefined> = {};
      for (const m of Object.values(managed)) pids[m.name] = m.proc.child.pid;
      if (broker) pids.kafka = broker.pid;
      for (const n of cluster?.nodes ?? [])
        pids[`kafka-${n.nodeId}`] = n.running ? n.pid : undefined;
      if (prometheus) pids.prometheus = prometheus.pid;
      return pids;
    }, startedAt);
    sampler.start(opts.sampleMs);
    load = new SoakLoad(
      { gatewayUrl: managed.gateway.proc.url, staff, volunteers, bodies, random },
      startedAt,
      opts.rate,
    );
    load.start();

    const injected: InjectedFault[] = [];
    const since = () => Date.now() - startedAt;
    for (const fault of schedule) {
      const wait = fault.atMs - since();
      if (wait > 0) await sleep(wait);
      const startedMs = since();
      say(
        `[${Math.round(startedMs / 1000)} s] ${fault.kind} ${fault.target} for ${Math.round(fault.holdMs / 1000)} s`,
      );
      let readyMs: number;
      let restoredMs: number;
      if (fault.kind === 'kill-subgraph') {
        const m = managed[fault.target]!;
        m.proc.child.kill('SIGKILL');
        await m.proc.exited;
        await sleep(fault.holdMs);
        restoredMs = since();
        start(m);
        await waitHttpReady(m.proc, '/health/ready');
        readyMs = since();
      } else if (fault.kind === 'cut-database') {
        const proxy = proxies[fault.target as SubgraphName]!;
        await proxy.cut();
        await sleep(fault.holdMs);
        restoredMs = since();
        await proxy.restore();
        await waitHttpReady(managed[fault.target]!.proc, '/health/ready');
        readyMs = since();
      } else {
        const node = cluster!.node(Number(fault.target.replace('broker-', '')));
        await node.kill();
        await sleep(fault.holdMs);
        restoredMs = since();
        await node.restart();
        readyMs = since();
      }
      say(
        `[${Math.round(readyMs / 1000)} s]   ${fault.target} back (ready ${((readyMs - restoredMs) / 1000).toFixed(1)} s after restart/restore)`,
      );
      injected.push({
        ...fault,
        startedMs,
        restoredMs,
        readyMs,
        errors: 0,
        requests: 0,
        alerts: expectedAlerts(fault, ports).map((a) => ({ ...a, fired: false, resolved: false })),
      });
    }
    const remaining = durationMs - since();
    if (remaining > 0) await sleep(remaining);
    await load.stop();
    const loadEndedMs = since();
    say(`load stopped after ${(loadEndedMs / 1000).toFixed(0)} s; draining...`);

    const drainStart = Date.now();
    let unsent: Record<string, number> = {};
    let lag: Record<string, number> = {};
    try {
      await waitUntil(
        'every outbox empty and every group at the high watermark',
        async () => {
          ({ unsent, lag } = await drainState(directUrls, brokers));
          return drainedOf(unsent, lag) ? true : undefined;
        },
        240_000,
        2000,
      );
    } catch (err) {
      failures.push(
        `drain: ${(err as Error).message}; unsent ${JSON.stringify(unsent)}, lag ${JSON.stringify(lag)}`,
      );
    }
    const drainS = (Date.now() - drainStart) / 1000;
    say(`drained in ${drainS.toFixed(1)} s`);
    sampler.stop();

    const { results: invariants, groups } = await checkInvariants(directUrls);
    for (const r of invariants)
      if (!r.ok) failures.push(`invariant broken: ${r.name}: ${r.detail}`);
    const dead = await deadLetters(brokers);

    // Requests and errors: per workload, inside and outside the fault windows.
    const records = load.records;
    // A request belongs to a fault when it was under way at any time of the fault's window (one
    // sent just before the fault may be answered during it).
    const inFault = (r: RequestRecord) =>
      injected.find((f) => r.t + r.ms >= f.startedMs && r.t <= f.readyMs + GRACE_MS);
    for (const r of records) {
      const f = inFault(r);
      if (!f) continue;
      f.requests++;
      if (r.outcome === 'error') f.errors++;
    }
    const workloads = {} as Record<Workload, WorkloadFigures>;
    for (const w of Object.keys(MIX) as Workload[]) {
      const mine = records.filter((r) => r.workload === w);
      const times = mine.map((r) => r.ms).sort((a, b) => a - b);
      const outside = mine.filter((r) => !inFault(r));
      const errorCodes: Record<string, number> = {};
      for (const r of mine) if (r.code) errorCodes[r.code] = (errorCodes[r.code] ?? 0) + 1;
      workloads[w] = {
        requests: mine.length,
        ok: mine.filter((r) => r.outcome === 'ok').length,
        conflicts: mine.filter((r) => r.outcome === 'conflict').length,
        errors: mine.filter((r) => r.outcome === 'error').length,
        errorsOutsideFaults: outside.filter((r) => r.outcome === 'error').length,
        requestsOutsideFaults: outside.length,
        p50Ms: percentile(times, 50),
        p99Ms: percentile(times, 99),
        errorCodes,
      };
    }
    const sum = (k: keyof WorkloadFigures) =>
      Object.values(workloads).reduce((a, w) => a + (w[k] as number), 0);
    const totals = {
      requests: sum('requests'),
      errors: sum('errors'),
      errorsOutsideFaults: sum('errorsOutsideFaults'),
      requestsOutsideFaults: sum('requestsOutsideFaults'),
    };
    const errorsOutsideFaultsSample = records
      .filter((r) => r.outcome === 'error' && !inFault(r))
      .slice(0, 30)
      .map((r) => ({ s: Math.round(r.t / 100) / 10, workload: r.workload, code: r.code ?? '' }));

    let alerts: SoakReport['alerts'];
    if (prometheus) {
      // Each expected alert must have fired during its fault (or within a minute after) and must
      // stop firing once the system is well: wait for that with a deadline.
      const p = prometheus;
      const matches = (
        a: { alertname: string; labels: Record<string, string> },
        x: FiredAlert | { alertname: string; labels: Record<string, string> },
      ) =>
        a.alertname === x.alertname &&
        Object.entries(a.labels).every(([k, v]) => x.labels[k] === v);
      const expected = injected.flatMap((f) => f.alerts);
      await waitUntil(
        'the expected alerts to resolve',
        async () => {
          const now = await p.firingNow();
          return expected.some((e) => now.some((n) => matches(e, n))) ? undefined : true;
        },
        120_000,
        1000,
      ).catch((err: Error) => failures.push(err.message));
      const now = await p.firingNow();
      const fired = await p.firedBetween(startedAt, Date.now());
      for (const f of injected) {
        for (const e of f.alerts) {
          const hit = fired.find(
            (a) =>
              matches(e, a) &&
              a.firingFrom >= startedAt + f.startedMs &&
              a.firingFrom <= startedAt + f.readyMs + 60_000,
          );
          e.fired = Boolean(hit);
          e.resolved = Boolean(hit) && !now.some((n) => matches(e, n));
          if (!e.fired)
            failures.push(
              `${f.kind} ${f.target} at ${Math.round(f.startedMs / 1000)} s did not fire ${e.alertname}`,
            );
          else if (!e.resolved) failures.push(`${e.alertname} for ${f.target} did not resolve`);
        }
      }
      const unexpected = fired.filter((a) => !expected.some((e) => matches(e, a)));
      alerts = { factor: opts.alertFactor, fired, unexpected };
    }

    for (const kind of kinds)
      if (!injected.some((f) => f.kind === kind)) failures.push(`no ${kind} fault was injected`);

    const report: SoakReport = {
      date: new Date().toISOString(),
      options: { ...opts, log: undefined } as unknown as SoakReport['options'],
      durationS: Math.round(loadEndedMs / 1000),
      warmupS: warmupMs / 1000,
      workloads,
      totals,
      errorsOutsideFaultsSample,
      faults: injected,
      drain: { seconds: drainS, unsent, lag },
      deadLetters: dead,
      invariants,
      deliveries: groups,
      rss: sampler.figures(warmupMs),
      processes: Object.fromEntries(
        Object.entries({
          ...Object.fromEntries(Object.values(managed).map((m) => [m.name, m.proc.child.pid])),
          kafka: broker?.pid,
          ...Object.fromEntries((cluster?.nodes ?? []).map((n) => [`kafka-${n.nodeId}`, n.pid])),
          prometheus: prometheus?.pid,
        }).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0),
      ),
      alerts,
      failures,
    };
    delete (report.options as Partial<SoakOptions>).log;
    writeFileSync(join(opts.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    const text = formatReport(report);
    writeFileSync(join(opts.outDir, 'report.txt'), text);
    say(text);
    return report;
  } finally {
    await stopEverything();
    stopRunning = undefined;
  }
}

/** Stops what the running soak started (for the command's Ctrl-C); nothing when none runs. */
let stopRunning: (() => Promise<void>) | undefined;
export async function stopRunningSoak(): Promise<void> {
  await stopRunning?.();
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const padL = (s: string | number, n: number) => String(s).padStart(n);

/** The report as text for the terminal (and report.txt). */
export function formatReport(r: SoakReport): string {
  const lines: string[] = [];
  lines.push(
    `soak ${r.options.minutes} min, ${r.options.brokers} broker(s), seed ${r.options.seed}, ${r.options.rate} req/s; load ran ${r.durationS} s (warm-up ${r.warmupS} s)`,
  );
  lines.push(
    '',
    'workload  requests      ok  conflicts  errors  (outside faults)  p50 ms  p99 ms  error codes',
  );
  for (const [w, f] of Object.entries(r.workloads))
    lines.push(
      `${pad(w, 8)}  ${padL(f.requests, 8)}  ${padL(f.ok, 6)}  ${padL(f.conflicts, 9)}  ${padL(f.errors, 6)}  ${padL(f.errorsOutsideFaults, 16)}  ${padL(f.p50Ms, 6)}  ${padL(f.p99Ms, 6)}  ${Object.entries(
        f.errorCodes,
      )
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')}`,
    );
  lines.push(
    `total     ${padL(r.totals.requests, 8)}  errors ${r.totals.errors}, outside fault windows ${r.totals.errorsOutsideFaults} of ${r.totals.requestsOutsideFaults}`,
  );
  if (r.errorsOutsideFaultsSample.length)
    lines.push(
      `  outside faults: ${r.errorsOutsideFaultsSample.map((e) => `${e.s} s ${e.workload} ${e.code}`).join(', ')}`,
    );
  lines.push('', 'faults (s from the start of the load)');
  for (const f of r.faults)
    lines.push(
      `  ${pad(f.kind, 13)} ${pad(f.target, 14)} at ${padL(Math.round(f.startedMs / 1000), 5)}  back ${padL(Math.round(f.restoredMs / 1000), 5)}  ready ${padL(Math.round(f.readyMs / 1000), 5)}  requests ${padL(f.requests, 5)} errors ${padL(f.errors, 5)}` +
        (f.alerts.length
          ? `  alerts: ${f.alerts.map((a) => `${a.alertname} ${a.fired ? 'fired' : 'DID NOT FIRE'}${a.fired ? (a.resolved ? ', resolved' : ', NOT RESOLVED') : ''}`).join('; ')}`
          : ''),
    );
  lines.push(
    '',
    `drained in ${r.drain.seconds.toFixed(1)} s; dead letters: ${Object.values(r.deadLetters).reduce((a, n) => a + n, 0)}`,
  );
  lines.push('', 'invariants');
  for (const i of r.invariants) lines.push(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}: ${i.detail}`);
  lines.push('', 'RSS (MiB; slope MiB/min by least squares after warm-up)');
  lines.push('  process          start     end     max   slope  over min  restarts');
  for (const [name, m] of Object.entries(r.rss))
    lines.push(
      `  ${pad(name, 14)} ${padL(m.startMiB.toFixed(0), 6)}  ${padL(m.endMiB.toFixed(0), 6)}  ${padL(m.maxMiB.toFixed(0), 6)}  ${padL(m.slopeMiBPerMin === null ? '-' : m.slopeMiBPerMin.toFixed(2), 6)}  ${padL(m.slopeMinutes.toFixed(1), 8)}  ${padL(m.restarts, 8)}`,
    );
  if (r.alerts) {
    lines.push('', `alerts fired (rules' durations divided by ${r.alerts.factor})`);
    for (const a of r.alerts.fired)
      lines.push(
        `  ${pad(a.alertname, 22)} ${pad(a.labels.service ?? a.labels.instance ?? '', 22)} ${((a.firingUntil - a.firingFrom) / 1000).toFixed(0)} s`,
      );
    if (!r.alerts.fired.length) lines.push('  none');
  }
  lines.push(
    '',
    r.failures.length ? `FAILED:\n  ${r.failures.join('\n  ')}` : 'all invariants hold',
  );
  return `${lines.join('\n')}\n`;
}

const drainedOf = (unsent: Record<string, number>, lag: Record<string, number>): boolean =>
  Object.values(unsent).every((n) => n === 0) && Object.values(lag).every((n) => n === 0);

/** Unsent outbox rows per service and uncommitted events per consumer group, and whether both are 0. */
async function drainState(
  urls: Parameters<typeof unsentOutbox>[0],
  brokers: string[],
): Promise<{ unsent: Record<string, number>; lag: Record<string, number>; drained: boolean }> {
  const unsent = await unsentOutbox(urls);
  const lag = await groupLag(brokers);
  return { unsent, lag, drained: drainedOf(unsent, lag) };
}
