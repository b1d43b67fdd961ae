import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { demoId, signCaller, type Caller } from '@liyuan/kit';
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
import { writeReport } from './report';
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

const WHOLE_RESIDENT = readFileSync(
  join(REPO_ROOT, 'test/operations/WholeResident.graphql'),
  'utf8',
);
const RESIDENT_REGISTRY = `query ResidentRegistry($id: ID!) {
  resident(id: $id) {
    name age phone(purpose: "service desk") status tags
    household { address members { name relationshipToHead } }
    grid { name }
    serviceRequests { type status }
  }
}`;
const GRID_LIST = `query GridList($gridId: ID!) {
  residents(first: 50, filter: { gridId: $gridId }) {
    edges { node {
      id name
      bookings { startsAt status }
      loans { dueOn }
      partyMembership { points }
      volunteerProfile { points approvedHours }
      mediationCases { category status }
    } }
  }
}`;
const BOOK = `mutation Book($input: BookFacilityInput!) {
  bookFacility(input: $input) { id status }
}`;

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

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'skip-build': { type: 'boolean', default: false },
      /** Comma-separated workloads to run (W1, W2, W1-registry, W3, E1); results go to only.json. */
      only: { type: 'string' },
      /** CPU-profile the gateway and subgraphs during every measurement (bench/results/profiles/). */
      profile: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const quick = values.quick;
  const only = values.only ? new Set(values.only.split(',').map((w) => w.trim())) : undefined;
  const wants = (workload: string) => !only || only.has(workload);
  const runS = quick ? 5 : 20;
  const warmupS = quick ? 3 : 10;
  const concurrencies = [10, 50];
  const outDir = join(REPO_ROOT, 'bench', 'results');
  const logDir = join(outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const profileDir = join(outDir, 'profiles');
  if (values.profile) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  /** A process's environment for profiling: SIGUSR2 starts and stops a profile (see below). */
  const profiled = (): Record<string, string> =>
    values.profile ? { CPU_PROFILE_DIR: profileDir } : {};
  const profileIndex: string[] = [];

  const processes: BenchProcess[] = [];
  /**
   * Runs `work`; with --profile, SIGUSR2 to the gateway and every subgraph brackets it, so profile
   * n of each process is this window, listed as `label` in index.txt.
   */
  const profiledWindow = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    if (!values.profile) return work();
    const ours = processes.filter((p) => p.name !== 'peer');
    for (const p of ours) p.child.kill('SIGUSR2');
    const out = await work();
    for (const p of ours) p.child.kill('SIGUSR2');
    profileIndex.push(`${profileIndex.length + 1}: ${label}`);
    writeFileSync(join(profileDir, 'index.txt'), `${profileIndex.join('\n')}\n`);
    return out;
  };
  let broker: KafkaBrokerHandle | undefined;
  let pipeline: Pipeline | undefined;
  const kafkaDir = mkdtempSync(join(tmpdir(), 'liyuan-bench-kafka-'));
  const failures: string[] = [];
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    await pipeline?.close();
    for (const p of [...processes].reverse()) {
      await stopProcess(p);
      say(`  stopped ${p.name}`);
    }
    if (broker) await broker.stop();
    rmSync(kafkaDir, { recursive: true, force: true });
  };
  const onSignal = () => void stopAll().finally(() => process.exit(130));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const results: Results = {
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      postgres: '',
    },
    durations: { warmupS, runS, concurrencies },
    data: { residents: 0, grids: 8, facilities: 0 },
    runs: [],
    failures,
  };

  try {
    if (!values['skip-build']) {
      say('building the bundles (npm run build)...');
      execFileSync('npm', ['run', '-s', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
    }
    say('fresh databases bench_<service>...');
    await freshDatabases();
    say('starting the Kafka broker...');
    await ensureKafkaJars();
    broker = await startKafkaBroker({ dataDir: kafkaDir });
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
          ...profiled(),
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
      ...profiled(),
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

    // The demo seeds publish events the other services consume: let that settle before measuring.
    say('waiting for the demo events to be published and consumed...');
    await settle();

    const token = await issueToken(JWT, { sub: 'bench-staff', roles: ['staff'] });
    const ourHeaders = { authorization: `Bearer ${token}` };
    const signed = () => signCaller(STAFF, IDENTITY_SECRET);

    // The data set: resident count and facility ids from the running demo data.
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...ourHeaders },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      if (body.errors) throw new Error(`setup query failed: ${JSON.stringify(body.errors)}`);
      return body.data!;
    };
    const counted = (await gql('{ residents(first: 1) { totalCount } }')) as {
      residents: { totalCount: number };
    };
    results.data.residents = counted.residents.totalCount;
    const residentIds = Array.from({ length: results.data.residents }, (_, i) =>
      demoId('resident', i + 1),
    );
    const gridIds = Array.from({ length: 8 }, (_, i) => demoId('grid', i + 1));
    const { facilities } = (await gql(
      '{ facilities { id capacity opensAt closesAt status } }',
    )) as {
      facilities: {
        id: string;
        capacity: number;
        opensAt: string;
        closesAt: string;
        status: string;
      }[];
    };
    const open = facilities.filter((f) => f.status === 'OPEN' || f.status === 'open');
    results.data.facilities = open.length;
    say(
      `data set: ${results.data.residents} residents, ${gridIds.length} grids, ${open.length} open facilities`,
    );
    const clock = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
    const DAY = 86_400_000;
    const today = Math.floor(Date.now() / DAY) * DAY;
    const bookingBody = () => {
      const f = pick(open);
      const opens = clock(f.opensAt);
      const closes = clock(f.closesAt);
      // Half-hour slots on a random day 100 to 1,900 days ahead (Beijing time is UTC+8).
      const slots = Math.max(1, Math.floor((closes - opens - 30) / 30));
      const startMin = opens + 30 * Math.floor(Math.random() * slots);
      const day = today + DAY * (100 + Math.floor(Math.random() * 1800));
      const startsAt = new Date(day + (startMin - 8 * 60) * 60_000);
      return JSON.stringify({
        query: BOOK,
        variables: {
          input: {
            facilityId: f.id,
            startsAt: startsAt.toISOString(),
            endsAt: new Date(startsAt.getTime() + 30 * 60_000).toISOString(),
            attendees: 1,
            purpose: 'benchmark',
            residentId: pick(residentIds),
          },
        },
      });
    };
    const wholeBody = () =>
      JSON.stringify({ query: WHOLE_RESIDENT, variables: { id: pick(residentIds) } });
    const registryBody = () =>
      JSON.stringify({ query: RESIDENT_REGISTRY, variables: { id: pick(residentIds) } });
    const listBody = () =>
      JSON.stringify({ query: GRID_LIST, variables: { gridId: pick(gridIds) } });

    const measured = [...processes, peer].filter((p, i, a) => a.indexOf(p) === i);
    /** CPU seconds so far of every process of the run, PostgreSQL, Kafka and the load generator. */
    const cpuNow = (): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const p of measured) {
        const c = cpuSecondsOf(p.child.pid);
        if (c !== undefined) out[p.name] = c;
      }
      out.postgres = postgresCpuSeconds();
      const k = cpuSecondsOf(broker?.pid);
      if (k !== undefined) out.kafka = k;
      const own = process.cpuUsage();
      out.load = (own.user + own.system) / 1e6;
      return out;
    };
    type Target = { target: WorkloadRun['target'] } & Omit<LoadSpec, 'connections' | 'durationS'>;
    /**
     * One workload on one or more targets: each is warmed up, then at every concurrency the targets
     * are measured one after the other (ours, peer, ours, peer), so neither always runs first.
     */
    const run = async (workload: string, targets: Target[]) => {
      if (!wants(workload)) return;
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
            if (broker) {
              const m = memoryOf(broker.pid);
              if (m) peaks.kafka = Math.max(peaks.kafka ?? 0, m.rss);
            }
          }, 250);
          const cacheBefore =
            target === 'cached' ? await cacheOutcomesOf(cachedGateway) : undefined;
          const cpuBefore = cpuNow();
          const r = await profiledWindow(`${workload} ${target} c=${connections}`, () =>
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
          const km = memoryOf(broker?.pid);
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

    // Ours and the peer alternate in the same run, on the same subgraphs and data.
    await run('W1', [
      { target: 'ours', url: gateway.url, headers: ourHeaders, body: wholeBody },
      { target: 'peer', url: peer.url, dynamicHeaders: signed, body: wholeBody },
      { target: 'cached', url: cachedGateway.url, headers: ourHeaders, body: wholeBody },
    ]);
    await run('W2', [
      { target: 'ours', url: gateway.url, headers: ourHeaders, body: listBody },
      { target: 'peer', url: peer.url, dynamicHeaders: signed, body: listBody },
      { target: 'cached', url: cachedGateway.url, headers: ourHeaders, body: listBody },
    ]);
    await run('W1-registry', [
      {
        target: 'direct',
        url: subgraphs.residents!.url,
        dynamicHeaders: signed,
        body: registryBody,
      },
      { target: 'ours', url: gateway.url, headers: ourHeaders, body: registryBody },
    ]);
    await run('W3', [
      {
        target: 'ours',
        url: gateway.url,
        headers: ourHeaders,
        body: bookingBody,
        conflictsExpected: true,
      },
      // Each mutation through the cached gateway also waits for its announcement on the broker.
      {
        target: 'cached',
        url: cachedGateway.url,
        headers: ourHeaders,
        body: bookingBody,
        conflictsExpected: true,
      },
    ]);

    if (wants('E1')) {
      // W3's booking events are still being consumed: E1 starts on an idle pipeline.
      say("E1: waiting for the earlier workloads' events to be published and consumed...");
      await settle();
      say('E1: raw kafkajs producer → consumer...');
      const raw = await rawKafka(broker.brokers, quick ? 20_000 : 100_000);
      say(`  ${raw.messagesPerSecond.toFixed(0)} msg/s (${raw.messages} messages)`);
      pipeline = new Pipeline();
      await pipeline.open();
      say('E1: outbox → Kafka → volunteers consumer, sustained...');
      const events = pipeline;
      const throughput = await profiledWindow('E1 sustained', () =>
        events.throughput(quick ? 5_000 : 20_000, 500),
      );
      say(
        `  ${throughput.eventsPerSecond.toFixed(0)} events/s; processed ${throughput.processed}/${throughput.events}, effects ${throughput.effects}`,
      );
      say(`E1: latency at 200 events/s for ${runS} s...`);
      const latency = await pipeline.latency(200, runS);
      say(`  p50 ${latency.p50Ms.toFixed(0)} ms p99 ${latency.p99Ms.toFixed(0)} ms`);
      results.events = { raw, throughput, latency };
    }
  } catch (err) {
    failures.push((err as Error).stack ?? String(err));
    say(`bench failed: ${(err as Error).message}`);
  } finally {
    await stopAll();
  }
  try {
    const { Client } = await import('pg');
    const c = new Client({
      connectionString: databaseUrl('residents').replace(/\/[^/]*$/, '/postgres'),
    });
    await c.connect();
    results.machine.postgres = (
      await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")
    ).rows[0]!.v;
    await c.end();
  } catch {
    // unknown
  }
  if (only) {
    // A partial run never replaces the full figures.
    writeFileSync(join(outDir, 'only.json'), `${JSON.stringify(results, null, 2)}\n`);
    say(`wrote bench/results/only.json${failures.length ? ' (with failures)' : ''}`);
  } else {
    writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeReport(results, join(REPO_ROOT, 'BENCHMARKS.md'));
    say(
      `wrote bench/results/latest.json and BENCHMARKS.md${failures.length ? ' (with failures)' : ''}`,
    );
  }
  process.exit(failures.length ? 1 : 0);
}

void main();
