import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@liyuan/kit';
import type { LiveStatus } from './live/metrics';

/** What the status page shows of one subgraph. */
export interface SubgraphStatus {
  name: string;
  url: string;
  /** up: answers and ready; degraded: answers but not ready; down: does not answer. */
  state: 'up' | 'degraded' | 'down';
  version: string | null;
  schemaHash: string | null;
  checks: Record<string, boolean>;
  /** GraphQL requests per second since the previous poll. */
  requestRate: number;
  /** p95 latency of GraphQL requests since the previous poll (null without requests). */
  p95Ms: number | null;
  outboxBacklog: number | null;
  consumerLag: number | null;
  /** Consumer groups whose readiness check says they are stuck (lag that does not move). */
  stalledConsumers: string[];
  deadLetters: number | null;
  checkedAt: string;
}

interface Sample {
  at: number;
  count: number;
  buckets: Map<number, number>;
}

/** Sums of the series of one metric in Prometheus text, optionally filtered by a label. */
function sum(text: string, metric: string, where?: (labels: string) => boolean): number | null {
  let total: number | null = null;
  const re = new RegExp(`^${metric}(\\{[^}]*\\})? (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    if (where && !where(m[1] ?? '')) continue;
    total = (total ?? 0) + Number(m[2]);
  }
  return total;
}

function histogram(text: string): Omit<Sample, 'at'> {
  const graphql = (labels: string) => labels.includes('route="graphql"');
  const buckets = new Map<number, number>();
  const re = /^http_request_duration_seconds_bucket\{([^}]*)\} (\S+)$/gm;
  for (const m of text.matchAll(re)) {
    if (!graphql(m[1]!)) continue;
    const le = /le="([^"]+)"/.exec(m[1]!)?.[1];
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(m[2]));
  }
  return { count: sum(text, 'http_request_duration_seconds_count', graphql) ?? 0, buckets };
}

/** The 95th percentile (ms) of the requests between two samples, from cumulative buckets. */
function p95(prev: Sample | undefined, cur: Sample): number | null {
  const n = cur.count - (prev?.count ?? 0);
  if (n <= 0) return null;
  const bounds = [...cur.buckets.keys()].sort((a, b) => a - b);
  for (const b of bounds) {
    const inBucket = (cur.buckets.get(b) ?? 0) - (prev?.buckets.get(b) ?? 0);
    if (inBucket >= 0.95 * n) return b === Infinity ? null : Math.round(b * 1000);
  }
  return null;
}

/**
 * Polls every subgraph's health, version, schema hash and metrics (request rate, p95 latency,
 * outbox backlog, consumer lag, dead letters) for the status page. A subgraph that stops answering
 * shows as down at the next poll.
 */
export class StatusMonitor {
  private readonly samples = new Map<string, Sample>();
  private readonly current = new Map<string, SubgraphStatus>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly subgraphs: { name: string; url: string }[],
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const tick = () => {
      void this.poll().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  snapshot(): SubgraphStatus[] {
    return this.subgraphs.map(
      (s) =>
        this.current.get(s.name) ?? {
          name: s.name,
          url: s.url,
          state: 'down',
          version: null,
          schemaHash: null,
          checks: {},
          requestRate: 0,
          p95Ms: null,
          outboxBacklog: null,
          consumerLag: null,
          stalledConsumers: [],
          deadLetters: null,
          checkedAt: new Date(0).toISOString(),
        },
    );
  }

  private async poll(): Promise<void> {
    await Promise.all(this.subgraphs.map((s) => this.pollOne(s)));
  }

  private async pollOne(s: { name: string; url: string }): Promise<void> {
    const origin = new URL(s.url).origin;
    const get = (path: string) =>
      fetch(`${origin}${path}`, { signal: AbortSignal.timeout(Math.min(2000, this.intervalMs)) });
    const now = Date.now();
    try {
      const [live, ready, metrics] = await Promise.all([
        get('/health/live'),
        get('/health/ready'),
        get('/metrics'),
      ]);
      const info = (await live.json()) as { version?: string; schemaHash?: string };
      const readiness = (await ready.json()) as { checks?: Record<string, boolean> };
      const text = await metrics.text();
      const sample: Sample = { at: now, ...histogram(text) };
      const prev = this.samples.get(s.name);
      this.samples.set(s.name, sample);
      const seconds = prev ? (now - prev.at) / 1000 : 0;
      this.current.set(s.name, {
        name: s.name,
        url: s.url,
        state: ready.ok ? 'up' : 'degraded',
        version: info.version ?? null,
        schemaHash: info.schemaHash ?? null,
        checks: readiness.checks ?? {},
        requestRate:
          prev && seconds > 0 ? Math.round(((sample.count - prev.count) / seconds) * 10) / 10 : 0,
        p95Ms: p95(prev, sample),
        outboxBacklog: sum(text, 'outbox_backlog'),
        consumerLag: sum(text, 'consumer_lag'),
        stalledConsumers: Object.entries(readiness.checks ?? {})
          .filter(([check, ok]) => check.startsWith('consumer:') && !ok)
          .map(([check]) => check.slice('consumer:'.length)),
        deadLetters: sum(text, 'dead_letters_total'),
        checkedAt: new Date(now).toISOString(),
      });
    } catch (err) {
      const was = this.current.get(s.name)?.state;
      if (was !== 'down') this.logger.warn({ subgraph: s.name, err: String(err) }, 'subgraph down');
      this.samples.delete(s.name);
      this.current.set(s.name, {
        ...this.snapshot().find((x) => x.name === s.name)!,
        state: 'down',
        checks: {},
        stalledConsumers: [],
        requestRate: 0,
        p95Ms: null,
        checkedAt: new Date(now).toISOString(),
      });
    }
  }
}

/** The subgraphs a supergraph routes to (`@join__graph(name:, url:)`), with URL overrides applied. */
export function subgraphsOf(
  supergraphSdl: string,
  overrides: Record<string, string>,
): { name: string; url: string }[] {
  const found = [...supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]*)"\)/g)];
  return found.map((m) => ({ name: m[1]!, url: overrides[m[1]!] ?? m[2]! }));
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Liyuan community platform: status</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d2733; }
  h1 { font-size: 1.4rem; }
  h2 { font-size: 1.1rem; margin-top: 1.5rem; }
  table { border-collapse: collapse; min-width: 60rem; }
  th, td { text-align: left; padding: .45rem .8rem; border-bottom: 1px solid #dde3ea; }
  th { font-weight: 600; background: #f3f6f9; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.up .state { background: #2e9d5b; color: #fff; }
  tr.degraded .state { background: #e0a526; color: #1d2733; }
  tr.down .state { background: #c8362e; color: #fff; }
  td.stalled { background: #c8362e; color: #fff; font-weight: 700; }
  .state { font-weight: 700; text-transform: uppercase; border-radius: 3px; }
  #updated { color: #66707c; font-size: .9rem; }
</style>
</head>
<body>
<h1>Liyuan community platform: subgraphs</h1>
<p id="updated">loading…</p>
<table>
  <thead><tr><th>subgraph</th><th>state</th><th>version</th><th>schema</th><th>req/s</th><th>p95 ms</th><th>outbox backlog</th><th>consumer lag</th><th>dead letters</th></tr></thead>
  <tbody id="rows"></tbody>
</table>
<h2>Live updates</h2>
<p id="live">–</p>
<script>
  const cell = (text, cls) => { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; return td; };
  const show = (v) => (v === null || v === undefined ? '–' : String(v));
  // A stuck consumer turns its subgraph's lag red and is named beside it.
  const lagCell = (s) => s.stalledConsumers && s.stalledConsumers.length
    ? cell(show(s.consumerLag) + ' (stalled: ' + s.stalledConsumers.join(', ') + ')', 'num stalled')
    : cell(show(s.consumerLag), 'num');
  async function refresh() {
    try {
      const res = await fetch('status.json', { cache: 'no-store' });
      const body = await res.json();
      const rows = document.getElementById('rows');
      rows.replaceChildren(...body.subgraphs.map((s) => {
        const tr = document.createElement('tr');
        tr.className = s.state;
        tr.dataset.subgraph = s.name;
        tr.append(cell(s.name), cell(s.state, 'state'), cell(show(s.version)), cell(show(s.schemaHash)),
          cell(show(s.requestRate), 'num'), cell(show(s.p95Ms), 'num'), cell(show(s.outboxBacklog), 'num'),
          lagCell(s), cell(show(s.deadLetters), 'num'));
        return tr;
      }));
      const l = body.live;
      document.getElementById('live').textContent = l
        ? l.connections + ' connections, ' + l.subscriptions + ' subscriptions; events matched ' + l.matched +
          ', pushed ' + l.pushed + ', withheld ' + l.withheld + '; push latency p95 ' +
          (l.p95PushMs === null ? '–' : '≤ ' + l.p95PushMs + ' ms')
        : 'not served (no KAFKA_BROKERS)';
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      document.getElementById('updated').textContent = 'the gateway does not answer';
    }
  }
  refresh();
  setInterval(refresh, REFRESH_MS);
</script>
</body>
</html>
`;

/** `/status` (a self-refreshing page) and `/status.json` (what it shows). */
export function statusRoutes(
  monitor: StatusMonitor,
  refreshMs: number,
  live?: () => Promise<LiveStatus>,
): Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>> {
  const page = PAGE.replace('REFRESH_MS', String(refreshMs));
  return {
    '/status': (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(page);
    },
    '/status.json': async (_req, res) => {
      const body = { subgraphs: monitor.snapshot(), live: live ? await live() : null };
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    },
  };
}
