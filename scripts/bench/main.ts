import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signCaller, type Caller } from '@liyuan/kit';
import { issueToken } from '../../gateway/src/auth';
import { REPO_ROOT } from '../config';
import {
  Pipeline,
  rawKafka,
  type PipelineLatency,
  type PipelineThroughput,
  type RawKafka,
} from './events';
import { runLoad, type LoadResult, type LoadSpec } from './load';
import { loadDataSet, type Bodies } from './workloads';
import { writeReport } from './report';
import { runS1, S1_SCALE, type S1Result } from './live';
import {
  databaseUrl,
  ensureKafkaJars,
  freePort,
  deployedNodeOptions,
  cpuSecondsOf,
  freshDatabases,
  heapOf,
  cacheOutcomesOf,
  postgresCpuSeconds,
  memoryOf,
  mkdirSync,
  spawnProcess,
  startKafkaBroker,
  stopProcess,
  SUBGRAPHS,
  waitHttpReady,
  type BenchProcess,
  type KafkaBrokerHandle,
} from './stack';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

const JWT = {
  secret: randomBytes(32).toString('hex'),
  issuer: 'liyuan-dev',
  audience: 'liyuan-community',
};
const IDENTITY_SECRET = randomBytes(32).toString('hex');
const STAFF: Caller = { userId: 'bench-staff', roles: ['staff'], gridIds: [] };

/** Memory of one process over one workload run (MiB). */
export interface ProcessMemory {
  /** Highest VmRSS sampled every 250 ms during the run. */
  rssMax: number;
  /** VmHWM read at the end of the run (peak since the process started). */
  hwm: number;
  /** V8 heap in use and reserved at the end of the run, from the process's /metrics (MiB). */
  heapUsed?: number;
  heapTotal?: number;
}

export interface WorkloadRun extends LoadResult {
  workload: string;
  /** `cached`: our gateway with the subgraph cache on (SUBGRAPH_CACHE=true), a process of its own. */
  target: 'ours' | 'cached' | 'peer' | 'direct';
  memory: Record<string, ProcessMemory>;
  /**
   * CPU milliseconds per completed request, by process (user + system time over the measurement
   * divided by the requests): where the machine's two cores go. `postgres` sums every server
   * process, `load` is the benchmark's own process (the load generator).
   */
  cpuMsPerRequest: Record<string, number>;
  /** For the cached gateway: its subgraph fetches of the measurement by cache outcome. */
  cache?: Record<string, number>;
}

export interface Results {
  mode: 'quick' | 'full';
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; postgres: string };
  durations: { warmupS: number; runS: number; concurrencies: number[] };
  data: { residents: number; grids: number; facilities: number };
  runs: WorkloadRun[];
  events?: { raw: RawKafka; throughput: PipelineThroughput; latency: PipelineLatency };
  /** S1: live updates, with CPU ms per push by process and the live gateway's memory. */
  live?: S1Live;
  /** S1-drive (only when named in --only): S1's mutations with no subscriber. */
  liveDrive?: S1Live;
  failures: string[];
}

/** Waits (at most 120 s) until no outbox has unsent events and processed_events stops growing. */
async function settle(): Promise<void> {
  const { Client } = await import('pg');
  const clients = await Promise.all(
    SUBGRAPHS.map(async (s) => {
      const c = new Client({ connectionString: databaseUrl(s) });
      await c.connect();
      return c;
    }),
  );
  try {
    const deadline = Date.now() + 120_000;
    let last = -1;
    while (Date.now() < deadline) {
      let unsent = 0;
      let processed = 0;
      for (const c of clients) {
        const { rows } = await c.query<{ u: string; p: string }>(
          `SELECT (SELECT count(*) FROM outbox_events WHERE sent_at IS NULL) AS u,
                  (SELECT count(*) FROM processed_events) AS p`,
        );
        unsent += Number(rows[0]!.u);
        processed += Number(rows[0]!.p);
      }
      if (unsent === 0 && processed === last) {
        // The demo data was just bulk-loaded: fresh statistics and visibility maps, as a database
        // that has been running a while would have, before anything is measured.
        for (const c of clients) await c.query('VACUUM ANALYZE');
        return;
      }
      last = processed;
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/** The command line: which workloads, how long, where the results go. */
interface Options {
  quick: boolean;
  skipBuild: boolean;
  /** Workloads to run (all when undefined); results then go to only.json. */
  only: Set<string> | undefined;
  profile: boolean;
  runS: number;
  warmupS: number;
  concurrencies: number[];
  outDir: string;
  logDir: string;
  profileDir: string;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'skip-build': { type: 'boolean', default: false },
      /** Comma-separated workloads to run (W1, W2, W1-registry, W3, E1, S1, S1-drive); results go to only.json. */
      only: { type: 'string' },
      /** CPU-profile the gateway and subgraphs during every measurement (bench/results/profiles/). */
      profile: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const quick = values.quick;
  const outDir = join(REPO_ROOT, 'bench', 'results');
  return {
    quick,
    skipBuild: values['skip-build'],
    only: values.only ? new Set(values.only.split(',').map((w) => w.trim())) : undefined,
    profile: values.profile,
    runS: quick ? 5 : 20,
    warmupS: quick ? 3 : 10,
    concurrencies: [10, 50],
    outDir,
    logDir: join(outDir, 'logs'),
    profileDir: join(outDir, 'profiles'),
  };
}

/** The processes of a run, its broker and event pipeline, profiling, and one way to stop them all. */
class BenchRun {
  readonly processes: BenchProcess[] = [];
  broker: KafkaBrokerHandle | undefined;
  pipeline: Pipeline | undefined;
  readonly kafkaDir: string;
  private readonly profileIndex: string[] = [];
  private stopping = false;

  constructor(readonly options: Options) {
    mkdirSync(options.logDir, { recursive: true });
    if (options.profile) {
      rmSync(options.profileDir, { recursive: true, force: true });
      mkdirSync(options.profileDir, { recursive: true });
    }
    this.kafkaDir = mkdtempSync(join(tmpdir(), 'liyuan-bench-kafka-'));
  }

  /** A process's environment for profiling: SIGUSR2 starts and stops a profile (see below). */
  profiled(): Record<string, string> {
    return this.options.profile ? { CPU_PROFILE_DIR: this.options.profileDir } : {};
  }

  /**
   * Runs `work`; with --profile, SIGUSR2 to the gateway and every subgraph brackets it, so profile
   * n of each process is this window, listed as `label` in index.txt.
   */
  async profiledWindow<T>(label: string, work: () => Promise<T>): Promise<T> {
    if (!this.options.profile) return work();
    const ours = this.processes.filter((p) => p.name !== 'peer');
    for (const p of ours) p.child.kill('SIGUSR2');
    const out = await work();
    for (const p of ours) p.child.kill('SIGUSR2');
    this.profileIndex.push(`${this.profileIndex.length + 1}: ${label}`);
    writeFileSync(join(this.options.profileDir, 'index.txt'), `${this.profileIndex.join('\n')}\n`);
    return out;
  }

  async stopAll(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    say('stopping...');
    await this.pipeline?.close();
    for (const p of [...this.processes].reverse()) {
      await stopProcess(p);
      say(`  stopped ${p.name}`);
    }
    if (this.broker) await this.broker.stop();
    rmSync(this.kafkaDir, { recursive: true, force: true });
  }
}

function emptyResults(options: Options, failures: string[]): Results {
  return {
    mode: options.quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      postgres: '',
    },
    durations: {
      warmupS: options.warmupS,
      runS: options.runS,
      concurrencies: options.concurrencies,
    },
    data: { residents: 0, grids: 8, facilities: 0 },
    runs: [],
    failures,
  };
}

/** The running federation: the broker, the subgraphs, our gateway with and without cache, the peer. */
interface Stack {
  broker: KafkaBrokerHandle;
  subgraphs: Record<string, BenchProcess>;
  gateway: BenchProcess;
  cachedGateway: BenchProcess;
  peer: BenchProcess;
  /** The gateways' environment (S1 starts one more, serving live updates). */
  gatewayEnv: Record<string, string>;
}

/** Builds the bundles, then starts the broker, the subgraphs (demo data), both gateways and the peer. */
async function startStack(run: BenchRun): Promise<Stack> {
  const { processes, kafkaDir } = run;
  const { logDir } = run.options;
  if (!run.options.skipBuild) {
    say('building the bundles (npm run build)...');
    execFileSync('npm', ['run', '-s', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
  }
  say('fresh databases bench_<service>...');
  await freshDatabases();
  say('starting the Kafka broker...');
  await ensureKafkaJars();
  const broker = await startKafkaBroker({ dataDir: kafkaDir });
  run.broker = broker;
  const brokers = broker.brokers.join(',');

  const common = { NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1' };
  const subgraphs: Record<string, BenchProcess> = {};
  for (const name of SUBGRAPHS) {
    const port = await freePort();
    const p = spawnProcess(
      name,
      [join(REPO_ROOT, 'dist', name, 'main.js')],
      port,
      {
        ...common,
        PORT: String(port),
        DATABASE_URL: databaseUrl(name),
        KAFKA_BROKERS: brokers,
        IDENTITY_SECRET,
        DEMO_DATA: 'true',
        NODE_OPTIONS: deployedNodeOptions(name),
        ...run.profiled(),
      },
      logDir,
    );
    processes.push(p);
    subgraphs[name] = p;
  }
  say('waiting for the subgraphs (demo data loads on first start)...');
  await Promise.all(Object.values(subgraphs).map((p) => waitHttpReady(p, '/health/ready')));

  const subgraphUrls = SUBGRAPHS.map((s) => `${s}=${subgraphs[s]!.url}`).join(',');
  const gatewayEnv = {
    ...common,
    JWT_SECRET: JWT.secret,
    IDENTITY_SECRET,
    SUBGRAPH_URLS: subgraphUrls,
    // The benchmark calls as one staff user: the per-caller rate limit would cap it at 50/s.
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_BURST: '1000000',
    // W2 and the mutation are not in test/operations; everything else stays as in production.
    SAFELIST: 'false',
    NODE_OPTIONS: deployedNodeOptions('gateway'),
    ...run.profiled(),
  };
  const gatewayPort = await freePort();
  const gateway = spawnProcess(
    'gateway',
    [join(REPO_ROOT, 'dist', 'gateway', 'main.js')],
    gatewayPort,
    { ...gatewayEnv, PORT: String(gatewayPort) },
    logDir,
  );
  processes.push(gateway);
  // The same gateway with its subgraph cache, evicted by the announcements on this run's broker.
  const cachedPort = await freePort();
  const cachedGateway = spawnProcess(
    'gateway-cached',
    [join(REPO_ROOT, 'dist', 'gateway', 'main.js')],
    cachedPort,
    { ...gatewayEnv, PORT: String(cachedPort), SUBGRAPH_CACHE: 'true', KAFKA_BROKERS: brokers },
    logDir,
  );
  processes.push(cachedGateway);
  await waitHttpReady(gateway, '/health/ready');
  await waitHttpReady(cachedGateway, '/health/ready');

  // The peer serves the same supergraph with this run's routing URLs.
  const supergraphFile = join(kafkaDir, 'peer-supergraph.graphql');
  let sdl = readFileSync(join(REPO_ROOT, 'schemas/supergraph.graphql'), 'utf8');
  for (const s of SUBGRAPHS) {
    sdl = sdl.replace(
      new RegExp(`(@join__graph\\(name: "${s}", url: ")[^"]*(")`),
      `$1${subgraphs[s]!.url}$2`,
    );
  }
  writeFileSync(supergraphFile, sdl);
  const peerPort = await freePort();
  const peer = spawnProcess(
    'peer',
    ['--import', 'tsx', join(REPO_ROOT, 'scripts/bench/peer-server.ts')],
    peerPort,
    { NODE_ENV: 'production', PORT: String(peerPort), PEER_SUPERGRAPH: supergraphFile },
    logDir,
  );
  processes.push(peer);
  await waitHttpReady(peer, '/graphql', 120_000, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signCaller(STAFF, IDENTITY_SECRET) },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  return { broker, subgraphs, gateway, cachedGateway, peer, gatewayEnv };
}

type Target = { target: WorkloadRun['target'] } & Omit<LoadSpec, 'connections' | 'durationS'>;
type Measure = (workload: string, targets: Target[]) => Promise<void>;

/**
 * Measures workloads on the running stack: each call runs one workload on one or more targets, and
 * records every measurement in `results`.
 */
function measurer(run: BenchRun, stack: Stack, results: Results): Measure {
  const { warmupS, runS, concurrencies } = run.options;
  const { broker, cachedGateway } = stack;
  const measured = [...run.processes];
  /** CPU seconds so far of every process of the run, PostgreSQL, Kafka and the load generator. */
  const cpuNow = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const p of measured) {
      const c = cpuSecondsOf(p.child.pid);
      if (c !== undefined) out[p.name] = c;
    }
    out.postgres = postgresCpuSeconds();
    const k = cpuSecondsOf(broker.pid);
    if (k !== undefined) out.kafka = k;
    const own = process.cpuUsage();
    out.load = (own.user + own.system) / 1e6;
    return out;
  };
  /**
   * Each target is warmed up, then at every concurrency the targets are measured one after the
   * other (ours, peer, ours, peer), so neither always runs first.
   */
  return async (workload, targets) => {
    for (const { target, ...spec } of targets) {
      say(`${workload} ${target}: warm-up ${warmupS} s`);
      await runLoad({ ...spec, connections: 10, durationS: warmupS });
    }
    for (const connections of concurrencies) {
      for (const { target, ...spec } of targets) {
        const peaks: Record<string, number> = {};
        const sampler = setInterval(() => {
          for (const p of measured) {
            const m = memoryOf(p.child.pid);
            if (m) peaks[p.name] = Math.max(peaks[p.name] ?? 0, m.rss);
          }
          const m = memoryOf(broker.pid);
          if (m) peaks.kafka = Math.max(peaks.kafka ?? 0, m.rss);
        }, 250);
        const cacheBefore = target === 'cached' ? await cacheOutcomesOf(cachedGateway) : undefined;
        const cpuBefore = cpuNow();
        const r = await run.profiledWindow(`${workload} ${target} c=${connections}`, () =>
          runLoad({ ...spec, connections, durationS: runS }),
        );
        const cpuAfter = cpuNow();
        let cache: Record<string, number> | undefined;
        if (cacheBefore) {
          const after = await cacheOutcomesOf(cachedGateway);
          cache = Object.fromEntries(
            Object.entries(after).map(([k, v]) => [k, v - (cacheBefore[k] ?? 0)]),
          );
        }
        clearInterval(sampler);
        const cpuMsPerRequest: Record<string, number> = {};
        for (const [name, after] of Object.entries(cpuAfter)) {
          const before = cpuBefore[name];
          if (before !== undefined && r.requests > 0)
            cpuMsPerRequest[name] = ((after - before) * 1000) / r.requests;
        }
        const memory: Record<string, ProcessMemory> = {};
        for (const p of measured) {
          const m = memoryOf(p.child.pid);
          memory[p.name] = { rssMax: peaks[p.name] ?? 0, hwm: m?.hwm ?? 0, ...(await heapOf(p)) };
        }
        const km = memoryOf(broker.pid);
        memory.kafka = { rssMax: peaks.kafka ?? 0, hwm: km?.hwm ?? 0 };
        results.runs.push({ workload, target, ...r, memory, cpuMsPerRequest, cache });
        if (cache)
          say(
            `    subgraph cache: ${Object.entries(cache)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
          );
        say(
          `${workload} ${target} c=${connections}: ${r.rps.toFixed(0)} req/s p50 ${r.p50} p95 ${r.p95} p99 ${r.p99} ms, ` +
            `non2xx ${r.non2xx} gqlErrors ${r.graphqlErrors} conflicts ${r.conflicts} transport ${r.transportErrors}`,
        );
        say(
          `    CPU ms/request: ${Object.entries(cpuMsPerRequest)
            .map(([k, v]) => `${k} ${v.toFixed(1)}`)
            .join(', ')}`,
        );
        for (const e of r.errorSamples.slice(0, 2)) say(`    sample: ${e}`);
      }
    }
  };
}

/** What every workload runs with. */
interface Bench {
  run: BenchRun;
  stack: Stack;
  results: Results;
  bodies: Bodies;
  measure: Measure;
  /** Our gateways' authorization (a staff token). */
  ourHeaders: Record<string, string>;
  /** The peer's and a subgraph's: signed caller headers, fresh per request. */
  signed: () => Record<string, string>;
}

/** W1: the whole resident across every subgraph; ours, the peer and ours with cache alternate. */
async function w1({ measure, stack, bodies, ourHeaders, signed }: Bench): Promise<void> {
  const { gateway, peer, cachedGateway } = stack;
  await measure('W1', [
    { target: 'ours', url: gateway.url, headers: ourHeaders, body: bodies.whole },
    { target: 'peer', url: peer.url, dynamicHeaders: signed, body: bodies.whole },
    { target: 'cached', url: cachedGateway.url, headers: ourHeaders, body: bodies.whole },
  ]);
}

/** W2: a grid's residents with their records in every department. */
async function w2({ measure, stack, bodies, ourHeaders, signed }: Bench): Promise<void> {
  const { gateway, peer, cachedGateway } = stack;
  await measure('W2', [
    { target: 'ours', url: gateway.url, headers: ourHeaders, body: bodies.list },
    { target: 'peer', url: peer.url, dynamicHeaders: signed, body: bodies.list },
    { target: 'cached', url: cachedGateway.url, headers: ourHeaders, body: bodies.list },
  ]);
}

/** W1-registry: one subgraph's query, straight to the subgraph and through our gateway. */
async function w1Registry({ measure, stack, bodies, ourHeaders, signed }: Bench): Promise<void> {
  const { gateway, subgraphs } = stack;
  await measure('W1-registry', [
    {
      target: 'direct',
      url: subgraphs.residents!.url,
      dynamicHeaders: signed,
      body: bodies.registry,
    },
    { target: 'ours', url: gateway.url, headers: ourHeaders, body: bodies.registry },
  ]);
}

/** W3: facility bookings (a mutation, conflicts expected), with and without the cache. */
async function w3({ measure, stack, bodies, ourHeaders }: Bench): Promise<void> {
  const { gateway, cachedGateway } = stack;
  await measure('W3', [
    {
      target: 'ours',
      url: gateway.url,
      headers: ourHeaders,
      body: bodies.booking,
      conflictsExpected: true,
    },
    // Each mutation through the cached gateway also waits for its announcement on the broker.
    {
      target: 'cached',
      url: cachedGateway.url,
      headers: ourHeaders,
      body: bodies.booking,
      conflictsExpected: true,
    },
  ]);
}

/** E1: raw Kafka, then the event pipeline's sustained throughput and its latency at 200 events/s. */
async function e1({ run, stack, results }: Bench): Promise<void> {
  const { quick, runS } = run.options;
  // W3's booking events are still being consumed: E1 starts on an idle pipeline.
  say("E1: waiting for the earlier workloads' events to be published and consumed...");
  await settle();
  say('E1: raw kafkajs producer → consumer...');
  const raw = await rawKafka(stack.broker.brokers, quick ? 20_000 : 100_000);
  say(`  ${raw.messagesPerSecond.toFixed(0)} msg/s (${raw.messages} messages)`);
  const pipeline = new Pipeline();
  run.pipeline = pipeline;
  await pipeline.open();
  say('E1: outbox → Kafka → volunteers consumer, sustained...');
  const throughput = await run.profiledWindow('E1 sustained', () =>
    pipeline.throughput(quick ? 5_000 : 20_000, 500),
  );
  say(
    `  ${throughput.eventsPerSecond.toFixed(0)} events/s; processed ${throughput.processed}/${throughput.events}, effects ${throughput.effects}`,
  );
  say(`E1: latency at 200 events/s for ${runS} s...`);
  const latency = await pipeline.latency(200, runS);
  say(`  p50 ${latency.p50Ms.toFixed(0)} ms p99 ${latency.p99Ms.toFixed(0)} ms`);
  results.events = { raw, throughput, latency };
}

/**
 * S1: live updates. A gateway of its own serving them (KAFKA_BROKERS, no subgraph cache), 1,000
 * WebSocket subscribers on four kinds, 200 events/s from mutations sent to the subgraphs for at
 * least 20 s; CPU per push by process and the live gateway's RSS over the drive.
 */
type S1Live = S1Result & {
  cpuMsPerPush: Record<string, number>;
  /** CPU ms per committed event by process (the only per-unit figure of S1-drive). */
  cpuMsPerEvent: Record<string, number>;
  gatewayMemory: ProcessMemory;
};

async function s1(bench: Bench): Promise<void> {
  await s1Run(bench, true);
}

/** S1's drive alone: the same mutations at the same rate, with no subscriber open. */
async function s1Drive(bench: Bench): Promise<void> {
  await s1Run(bench, false);
}

async function s1Run({ run, stack, results }: Bench, subscribe: boolean): Promise<void> {
  say("S1: waiting for the earlier workloads' events to be published and consumed...");
  await settle();
  const port = await freePort();
  const gateway = spawnProcess(
    'gateway-live',
    [join(REPO_ROOT, 'dist', 'gateway', 'main.js')],
    port,
    { ...stack.gatewayEnv, PORT: String(port), KAFKA_BROKERS: stack.broker.brokers.join(',') },
    run.options.logDir,
  );
  run.processes.push(gateway);
  await waitHttpReady(gateway, '/health/ready');
  const measured = [...run.processes.filter((p) => p.name !== 'peer')];
  const cpuNow = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const p of measured) {
      const c = cpuSecondsOf(p.child.pid);
      if (c !== undefined) out[p.name] = c;
    }
    out.postgres = postgresCpuSeconds();
    const k = cpuSecondsOf(stack.broker.pid);
    if (k !== undefined) out.kafka = k;
    const own = process.cpuUsage();
    out.load = (own.user + own.system) / 1e6;
    return out;
  };
  let before: Record<string, number> = {};
  let after: Record<string, number> = {};
  let rssMax = 0;
  const sampler = setInterval(() => {
    const m = memoryOf(gateway.child.pid);
    if (m) rssMax = Math.max(rssMax, m.rss);
  }, 250);
  try {
    const r = await run.profiledWindow(subscribe ? 'S1' : 'S1-drive', () =>
      runS1(
        {
          gatewayUrl: gateway.url,
          subgraphUrls: {
            facilities: stack.subgraphs.facilities!.url,
            'shared-spaces': stack.subgraphs['shared-spaces']!.url,
          },
          identitySecret: IDENTITY_SECRET,
          token: (claims) => issueToken(JWT, claims as Parameters<typeof issueToken>[1]),
          say,
          onDriveStart: () => (before = cpuNow()),
          onDriveEnd: () => (after = cpuNow()),
        },
        { ...S1_SCALE, subscribe },
      ),
    );
    const cpuMsPerPush: Record<string, number> = {};
    const cpuMsPerEvent: Record<string, number> = {};
    for (const [name, a] of Object.entries(after)) {
      const b = before[name];
      if (b !== undefined && r.received > 0) cpuMsPerPush[name] = ((a - b) * 1000) / r.received;
      if (b !== undefined && r.events > 0) cpuMsPerEvent[name] = ((a - b) * 1000) / r.events;
    }
    const m = memoryOf(gateway.child.pid);
    const gatewayMemory: ProcessMemory = { rssMax, hwm: m?.hwm ?? 0, ...(await heapOf(gateway)) };
    results[subscribe ? 'live' : 'liveDrive'] = {
      ...r,
      cpuMsPerPush,
      cpuMsPerEvent,
      gatewayMemory,
    };
    say(
      `  ${r.subscribers} subscribers (${Object.entries(r.kinds)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}) on ${r.connections} connections of ${r.callers} callers`,
    );
    say(
      `  ${r.events} events in ${r.durationS.toFixed(1)} s (${r.eventsPerSecond.toFixed(0)}/s; ${r.mutationErrors} mutation errors, ${r.skipped} skipped); ` +
        `pushes ${r.received}/${r.expectedPushes} expected (${r.pushesPerSecond.toFixed(0)}/s), missed ${r.missed}, duplicated ${r.duplicated}, drained ${r.drainS.toFixed(1)} s after`,
    );
    say(
      `  commit → push p50 ${r.latency.p50} p95 ${r.latency.p95} p99 ${r.latency.p99} max ${r.latency.max} ms; gateway RSS peak ${rssMax.toFixed(0)} MiB`,
    );
    say(
      `  CPU ms/push: ${Object.entries(cpuMsPerPush)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')}`,
    );
    say(
      `  CPU ms/event: ${Object.entries(cpuMsPerEvent)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')}`,
    );
    for (const e of r.errorSamples.slice(0, 3)) say(`  sample: ${e}`);
  } finally {
    clearInterval(sampler);
  }
}

/**
 * The workloads in the order they run. Ours and the peer alternate in the same run, on the same
 * subgraphs and data.
 */
const WORKLOADS: [string, (bench: Bench) => Promise<void>][] = [
  ['W1', w1],
  ['W2', w2],
  ['W1-registry', w1Registry],
  ['W3', w3],
  ['E1', e1],
  ['S1', s1],
];
/** Run only when named in --only. */
const EXTRA_WORKLOADS: [string, (bench: Bench) => Promise<void>][] = [['S1-drive', s1Drive]];

/** The PostgreSQL server's version, or '' when it cannot be read. */
async function postgresVersion(): Promise<string> {
  try {
    const { Client } = await import('pg');
    const c = new Client({
      connectionString: databaseUrl('residents').replace(/\/[^/]*$/, '/postgres'),
    });
    await c.connect();
    const version = (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
      .rows[0]!.v;
    await c.end();
    return version;
  } catch {
    return '';
  }
}

/** Writes latest.json and BENCHMARKS.md, or only.json for a partial run. */
function writeResults(options: Options, results: Results): void {
  const { outDir } = options;
  const failed = results.failures.length ? ' (with failures)' : '';
  if (options.only) {
    // A partial run never replaces the full figures.
    writeFileSync(join(outDir, 'only.json'), `${JSON.stringify(results, null, 2)}\n`);
    say(`wrote bench/results/only.json${failed}`);
  } else {
    writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeReport(results, join(REPO_ROOT, 'BENCHMARKS.md'));
    say(`wrote bench/results/latest.json and BENCHMARKS.md${failed}`);
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const run = new BenchRun(options);
  const onSignal = () => void run.stopAll().finally(() => process.exit(130));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const failures: string[] = [];
  const results = emptyResults(options, failures);

  try {
    const stack = await startStack(run);
    // The demo seeds publish events the other services consume: let that settle before measuring.
    say('waiting for the demo events to be published and consumed...');
    await settle();
    const token = await issueToken(JWT, { sub: 'bench-staff', roles: ['staff'] });
    const ourHeaders = { authorization: `Bearer ${token}` };
    const { bodies, data } = await loadDataSet(stack.gateway.url, ourHeaders);
    results.data = data;
    say(
      `data set: ${data.residents} residents, ${data.grids} grids, ${data.facilities} open facilities`,
    );
    const bench: Bench = {
      run,
      stack,
      results,
      bodies,
      measure: measurer(run, stack, results),
      ourHeaders,
      signed: () => signCaller(STAFF, IDENTITY_SECRET),
    };
    for (const [name, workload] of WORKLOADS) {
      if (!options.only || options.only.has(name)) await workload(bench);
    }
    for (const [name, workload] of EXTRA_WORKLOADS)
      if (options.only?.has(name)) await workload(bench);
  } catch (err) {
    failures.push((err as Error).stack ?? String(err));
    say(`bench failed: ${(err as Error).message}`);
  } finally {
    await run.stopAll();
  }
  results.machine.postgres = await postgresVersion();
  writeResults(options, results);
  process.exit(failures.length ? 1 : 0);
}

void main();
