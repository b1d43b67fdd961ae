import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { appendEvents, demoId, ensureTopics, type PendingEvent } from '@liyuan/kit';
import { ResidentRegistered } from '@liyuan/schemas';
import { databaseUrl } from './stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const traceparent = () =>
  `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;

/** Throughput of outbox → Kafka → volunteers' idempotent consumer. */
export interface PipelineThroughput {
  events: number;
  batchSize: number;
  appendSeconds: number;
  /** From the first append until the last event is recorded processed. */
  totalSeconds: number;
  eventsPerSecond: number;
  processed: number;
  /** known_residents rows for the new resident ids (exactly `events` when no loss, no doubles). */
  effects: number;
  lost: number;
  doubled: number;
}

/** Latency from commit (outbox created_at) to consumer effect (processed_at) at a fixed rate. */
export interface PipelineLatency {
  ratePerSecond: number;
  durationS: number;
  events: number;
  processed: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface RawKafka {
  messages: number;
  produceSeconds: number;
  totalSeconds: number;
  messagesPerSecond: number;
}

function pendingFor(n: number): { events: PendingEvent[]; residentIds: string[] } {
  const residentIds: string[] = [];
  const events: PendingEvent[] = [];
  for (let i = 0; i < n; i++) {
    const residentId = randomUUID();
    residentIds.push(residentId);
    events.push({
      contract: ResidentRegistered,
      aggregateId: residentId,
      data: {
        residentId,
        householdId: demoId('household', 1 + (i % 2000)),
        gridId: demoId('grid', 1 + (i % 8)),
        status: 'active',
        residencyType: 'registered',
        tags: [],
      },
    });
  }
  return { events, residentIds };
}

/** The residents database (where events are appended) and the volunteers database (effects). */
export class Pipeline {
  private residents!: DataSource;
  private volunteers!: Client;

  async open(): Promise<void> {
    this.residents = new DataSource({
      type: 'postgres',
      url: databaseUrl('residents'),
      extra: { max: 4 },
    });
    await this.residents.initialize();
    this.volunteers = new Client({ connectionString: databaseUrl('volunteers') });
    await this.volunteers.connect();
  }

  async close(): Promise<void> {
    await this.residents?.destroy().catch(() => undefined);
    await this.volunteers?.end().catch(() => undefined);
  }

  /** Appends `events` in one transaction; returns their ids. */
  private async append(events: PendingEvent[]): Promise<string[]> {
    const envelopes = await this.residents.transaction((m) =>
      appendEvents(m, 'residents', events, traceparent()),
    );
    return envelopes.map((e) => e.id);
  }

  private async processedCount(ids: string[]): Promise<number> {
    const { rows } = await this.volunteers.query<{ n: string }>(
      'SELECT count(*) AS n FROM processed_events WHERE event_id = ANY($1::uuid[])',
      [ids],
    );
    return Number(rows[0]!.n);
  }

  private async waitProcessed(ids: string[], timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let n = 0;
    while (Date.now() < deadline) {
      n = await this.processedCount(ids);
      if (n >= ids.length) return n;
      await sleep(100);
    }
    return n;
  }

  /** Appends `total` events in transactions of `batchSize` as fast as it can. */
  async throughput(
    total: number,
    batchSize: number,
    timeoutMs = 300_000,
  ): Promise<PipelineThroughput> {
    const { events, residentIds } = pendingFor(total);
    const ids: string[] = [];
    const start = performance.now();
    for (let i = 0; i < total; i += batchSize) {
      ids.push(...(await this.append(events.slice(i, i + batchSize))));
    }
    const appended = performance.now();
    const processed = await this.waitProcessed(ids, timeoutMs);
    const done = performance.now();
    // A consumer that applied an event twice would leave more than one row per event.
    const { rows } = await this.volunteers.query<{ n: string; per: string | null }>(
      `SELECT count(*) AS n,
              (SELECT max(c) FROM (SELECT count(*) AS c FROM processed_events
                                   WHERE event_id = ANY($2::uuid[]) GROUP BY event_id) x) AS per
       FROM known_residents WHERE resident_id = ANY($1::uuid[])`,
      [residentIds, ids],
    );
    const effects = Number(rows[0]!.n);
    const totalSeconds = (done - start) / 1000;
    return {
      events: total,
      batchSize,
      appendSeconds: (appended - start) / 1000,
      totalSeconds,
      eventsPerSecond: processed / totalSeconds,
      processed,
      effects,
      lost: total - processed,
      doubled: Math.max(0, effects - total) + (Number(rows[0]!.per ?? 1) > 1 ? 1 : 0),
    };
  }

  /** Appends `rate` events/s (a transaction every 50 ms) for `durationS`, then measures latency. */
  async latency(rate: number, durationS: number, timeoutMs = 120_000): Promise<PipelineLatency> {
    const tickMs = 50;
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
    const ticks = Math.round((durationS * 1000) / tickMs);
    const ids: string[] = [];
    const start = performance.now();
    const inflight: Promise<void>[] = [];
    for (let t = 0; t < ticks; t++) {
      const due = start + t * tickMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const { events } = pendingFor(perTick);
      inflight.push(this.append(events).then((got) => void ids.push(...got)));
    }
    await Promise.all(inflight);
    const processed = await this.waitProcessed(ids, timeoutMs);
    const created = await this.residents.query<{ id: string; t: string }[]>(
      `SELECT id, extract(epoch FROM created_at) * 1000 AS t FROM outbox_events WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const { rows: done } = await this.volunteers.query<{ id: string; t: string }>(
      `SELECT event_id AS id, extract(epoch FROM processed_at) * 1000 AS t
       FROM processed_events WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    const createdAt = new Map(created.map((r) => [r.id, Number(r.t)]));
    const lat = done
      .map((r) => Number(r.t) - (createdAt.get(r.id) ?? Number(r.t)))
      .sort((a, b) => a - b);
    const pct = (p: number) =>
      lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]! : 0;
    return {
      ratePerSecond: rate,
      durationS,
      events: ids.length,
      processed,
      p50Ms: pct(50),
      p95Ms: pct(95),
      p99Ms: pct(99),
      maxMs: lat.length ? lat[lat.length - 1]! : 0,
    };
  }
}

/** Raw kafkajs producer → consumer on a fresh topic: the ceiling of the broker and client here. */
export async function rawKafka(brokers: string[], messages: number): Promise<RawKafka> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.NOTHING });
  const topic = `bench-raw-${randomBytes(4).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [topic], 3);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let received = 0;
  let allIn!: () => void;
  const allReceived = new Promise<void>((r) => (allIn = r));
  let joined!: () => void;
  const joinedP = new Promise<void>((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachMessage: async () => {
      if (++received >= messages) allIn();
    },
  });
  await joinedP;
  const producer = kafka.producer();
  await producer.connect();
  // An envelope-sized payload (about what a ResidentRegistered envelope weighs).
  const value = JSON.stringify({ pad: 'x'.repeat(420) });
  const batch = 500;
  const start = performance.now();
  for (let i = 0; i < messages; i += batch) {
    await producer.send({
      topic,
      messages: Array.from({ length: Math.min(batch, messages - i) }, (_, k) => ({
        key: String(i + k),
        value,
      })),
    });
  }
  const produced = performance.now();
  await Promise.race([allReceived, sleep(120_000)]);
  const done = performance.now();
  await producer.disconnect();
  await consumer.disconnect();
  const admin2 = kafka.admin();
  await admin2.connect();
  await admin2.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin2.disconnect();
  const totalSeconds = (done - start) / 1000;
  return {
    messages: received,
    produceSeconds: (produced - start) / 1000,
    totalSeconds,
    messagesPerSecond: received / totalSeconds,
  };
}
