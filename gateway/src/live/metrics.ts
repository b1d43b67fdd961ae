import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What operators see of live updates on the gateway's `/metrics`. */
export interface LiveMetrics {
  connections: Gauge<'transport'>;
  subscriptions: Gauge<'field'>;
  matched: Counter<'field'>;
  pushed: Counter<'field'>;
  withheld: Counter<'field'>;
  /** Event appended to the log → frame written to the client. */
  latency: Histogram<'transport'>;
  refused: Counter<'reason'>;
  /** Connections the gateway ended (slow client, expired token, error, shutdown). */
  disconnects: Counter<'transport' | 'reason'>;
}

export function createLiveMetrics(registry: Registry): LiveMetrics {
  const registers = [registry];
  return {
    connections: new Gauge({
      name: 'live_connections',
      help: 'Open live-update connections, by transport (ws, sse)',
      labelNames: ['transport'],
      registers,
    }),
    subscriptions: new Gauge({
      name: 'live_subscriptions',
      help: 'Open subscriptions, by Subscription field',
      labelNames: ['field'],
      registers,
    }),
    matched: new Counter({
      name: 'live_events_matched_total',
      help: 'Events that matched an open subscription (once per subscription)',
      labelNames: ['field'],
      registers,
    }),
    pushed: new Counter({
      name: 'live_events_pushed_total',
      help: 'Frames handed to subscribers',
      labelNames: ['field'],
      registers,
    }),
    withheld: new Counter({
      name: 'live_events_withheld_total',
      help: 'Matched events not pushed because the subscriber may not read what changed',
      labelNames: ['field'],
      registers,
    }),
    latency: new Histogram({
      name: 'live_push_latency_seconds',
      help: 'From the event appended to the log to its frame written to the client',
      labelNames: ['transport'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    refused: new Counter({
      name: 'live_refused_total',
      help: 'Subscriptions and connections refused, by reason',
      labelNames: ['reason'],
      registers,
    }),
    disconnects: new Counter({
      name: 'live_disconnects_total',
      help: 'Connections the gateway ended, by transport and reason (slow_consumer, token_expired, error, shutdown)',
      labelNames: ['transport', 'reason'],
      registers,
    }),
  };
}

/** What the status page shows of live updates. */
export interface LiveStatus {
  connections: number;
  subscriptions: number;
  matched: number;
  pushed: number;
  withheld: number;
  /** The histogram bucket bound under which 95 % of frames were written, in ms (null before any). */
  p95PushMs: number | null;
}

const total = async (m: { get(): Promise<{ values: { value: number }[] }> }) =>
  (await m.get()).values.reduce((n, v) => n + v.value, 0);

export async function liveStatus(m: LiveMetrics): Promise<LiveStatus> {
  const latency = (await m.latency.get()).values;
  const buckets = new Map<number, number>();
  let count = 0;
  for (const v of latency) {
    if (v.metricName === 'live_push_latency_seconds_bucket') {
      const le = Number((v.labels as Record<string, string | number>).le);
      buckets.set(le, (buckets.get(le) ?? 0) + v.value);
    } else if (v.metricName === 'live_push_latency_seconds_count') count += v.value;
  }
  const bound = [...buckets].sort(([a], [b]) => a - b).find(([, n]) => n >= count * 0.95)?.[0];
  return {
    connections: await total(m.connections),
    subscriptions: await total(m.subscriptions),
    matched: await total(m.matched),
    pushed: await total(m.pushed),
    withheld: await total(m.withheld),
    p95PushMs:
      count === 0 || bound === undefined ? null : Number.isFinite(bound) ? bound * 1000 : null,
  };
}
