import { Client } from 'pg';
import type { Producer } from 'kafkajs';
import { EVENT_HEADERS } from '@liyuan/schemas';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { traceIdOf } from '../trace';
import { SpanKind, endSpan, startSpan, type Tracer } from '../tracing';
import { OUTBOX_CHANNEL } from './outbox';

export interface RelayOptions {
  /** The service database; the relay holds one connection of its own for LISTEN and its lock. */
  databaseUrl: string;
  /** Makes the idempotent producer; a new one (new producer id) replaces it after a failed send. */
  createProducer: () => Producer;
  logger: Logger;
  metrics: Metrics;
  /** Traces each publication as a producer span of the event's trace. */
  tracer?: Tracer;
  /** Prepended to each row's topic when publishing (see KAFKA_TOPIC_PREFIX). */
  topicPrefix?: string;
  pollIntervalMs: number;
  batchSize: number;
  /** LISTEN for commits; off in embedded mode, where notifications do not cross connections. */
  listen: boolean;
  /** Advisory lock id: one relay per database publishes at a time, so order survives replicas. */
  lockKey: number;
  /** Test seam: called after Kafka acknowledged a batch and before the rows are marked sent. */
  afterPublish?: () => void | Promise<void>;
}

interface OutboxRow {
  seq: string;
  topic: string;
  aggregate_id: string;
  envelope: string;
}

/**
 * Publishes committed outbox rows to Kafka in commit order and marks them sent only after Kafka
 * acknowledges them. A crash between the two publishes the batch again; consumers are idempotent.
 */
export class OutboxRelay {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private producer: Producer | undefined;
  private leader = false;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  /** A second connection for backlog readings (readiness, metrics), never the loop's own. */
  private probe: Client | undefined;
  private probing: Promise<{ count: number; oldestAgeSeconds: number }> | undefined;

  constructor(private readonly opts: RelayOptions) {}

  /** Starts the publishing loop in the background; it survives database and broker outages. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Finishes the batch in hand (waiting at most `graceMs`, e.g. while the broker is down), then
   * stops and releases the connection and the lock. Unpublished rows simply stay for next time.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.running = false;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    await this.dropClient();
    await this.dropProducer();
    await this.probing?.catch(() => undefined);
    const probe = this.probe;
    this.probe = undefined;
    await probe?.end().catch(() => undefined);
  }

  /**
   * Unpublished events and the age of the oldest, for readiness, metrics and the status page. Read
   * on a connection of its own (the loop's may be busy publishing, and a pg client runs one query
   * at a time); callers arriving together share one reading.
   */
  backlog(): Promise<{ count: number; oldestAgeSeconds: number }> {
    this.probing ??= this.readBacklog().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async readBacklog(): Promise<{ count: number; oldestAgeSeconds: number }> {
    if (!this.running) return this.countBacklogOnce();
    if (!this.probe) {
      const client = new Client({
        connectionString: this.opts.databaseUrl,
        application_name: 'outbox-backlog',
        query_timeout: 10_000,
      });
      // A connection the server ends (a restart, a dropped database) must not crash the process:
      // it is forgotten and the next reading opens another.
      client.on('error', () => {
        if (this.probe === client) this.probe = undefined;
      });
      await client.connect();
      this.probe = client;
    }
    const probe = this.probe;
    try {
      return await this.countBacklog(probe);
    } catch (err) {
      if (this.probe === probe) this.probe = undefined;
      await probe.end().catch(() => undefined);
      throw err;
    }
  }

  /** A reading on a connection opened for it (the relay is stopped). */
  private async countBacklogOnce(): Promise<{ count: number; oldestAgeSeconds: number }> {
    const client = new Client({
      connectionString: this.opts.databaseUrl,
      application_name: 'outbox-backlog',
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await this.countBacklog(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async countBacklog(client: Client): Promise<{ count: number; oldestAgeSeconds: number }> {
    const { rows } = await client.query<{ count: number; age: number | null }>(
      `SELECT count(*)::int AS count, extract(epoch FROM now() - min(created_at))::float8 AS age
         FROM outbox_events WHERE sent_at IS NULL`,
    );
    return { count: rows[0]?.count ?? 0, oldestAgeSeconds: rows[0]?.age ?? 0 };
  }

  private async run(): Promise<void> {
    const { logger, metrics, pollIntervalMs, batchSize } = this.opts;
    let backoff = 100;
    while (this.running) {
      try {
        const client = await this.ensureClient();
        if (!this.leader) {
          const { rows } = await client.query<{ ok: boolean }>(
            'SELECT pg_try_advisory_lock($1) AS ok',
            [this.opts.lockKey],
          );
          this.leader = rows[0]?.ok === true;
          if (!this.leader) {
            await this.sleep(pollIntervalMs);
            continue;
          }
        }
        const published = await this.drainOnce(client);
        backoff = 100;
        if (published < batchSize) {
          const b = await this.countBacklog(client);
          metrics.outboxBacklog.set(b.count);
          metrics.outboxOldestAgeSeconds.set(b.oldestAgeSeconds);
          if (b.count === 0) await this.sleep(pollIntervalMs);
        }
      } catch (err) {
        metrics.outboxPublishFailures.inc();
        logger.warn({ err: String(err) }, 'outbox relay iteration failed; retrying');
        // Keep the backlog gauges true while publishing fails (a broker outage is when they matter).
        if (this.client && this.isClientHealthy()) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            this.backlog().then(
              (b) => {
                metrics.outboxBacklog.set(b.count);
                metrics.outboxOldestAgeSeconds.set(b.oldestAgeSeconds);
              },
              () => undefined,
            ),
            new Promise((r) => (timer = setTimeout(r, 2000))),
          ]);
          clearTimeout(timer);
        }
        if (!this.isClientHealthy()) await this.dropClient();
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private async drainOnce(client: Client): Promise<number> {
    const { rows } = await client.query<OutboxRow>(
      // Ordered by the bigint column: the text alias of the same name would sort "10" before "2".
      `SELECT seq::text AS seq, topic, aggregate_id, envelope::text AS envelope
         FROM outbox_events WHERE sent_at IS NULL ORDER BY outbox_events.seq LIMIT $1`,
      [this.opts.batchSize],
    );
    if (rows.length === 0) return 0;
    if (!this.producer) {
      const producer = this.opts.createProducer();
      await producer.connect();
      this.producer = producer;
    }
    const producer = this.producer;
    const byTopic = new Map<
      string,
      { key: string; value: string; headers: Record<string, string> }[]
    >();
    for (const row of rows) {
      const envelope = JSON.parse(row.envelope) as {
        id: string;
        type: string;
        traceparent: string;
      };
      const topic = `${this.opts.topicPrefix ?? ''}${row.topic}`;
      const messages = byTopic.get(topic) ?? [];
      messages.push({
        key: row.aggregate_id,
        value: row.envelope,
        headers: {
          [EVENT_HEADERS.id]: envelope.id,
          [EVENT_HEADERS.type]: envelope.type,
          [EVENT_HEADERS.traceparent]: envelope.traceparent,
        },
      });
      byTopic.set(topic, messages);
    }
    const spans = this.opts.tracer
      ? [...byTopic].flatMap(([topic, messages]) =>
          messages.map(
            (m) =>
              startSpan(
                this.opts.tracer!,
                `publish ${topic}`,
                m.headers[EVENT_HEADERS.traceparent] ?? '',
                SpanKind.PRODUCER,
                {
                  'messaging.system': 'kafka',
                  'messaging.destination.name': topic,
                  'messaging.message.id': m.headers[EVENT_HEADERS.id] ?? '',
                },
              ).span,
          ),
        )
      : [];
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (err) {
      // The broker may have written part of the batch; the same producer id re-sending a different
      // batch would then be refused for its sequence numbers, for good. A new producer starts clean
      // (the republished events are deduplicated by the consumers).
      await this.dropProducer();
      for (const span of spans) endSpan(span, err);
      throw err;
    }
    for (const span of spans) endSpan(span);
    await this.opts.afterPublish?.();
    await client.query(`UPDATE outbox_events SET sent_at = now() WHERE seq = ANY($1::bigint[])`, [
      rows.map((r) => r.seq),
    ]);
    for (const [topic, messages] of byTopic) {
      this.opts.metrics.outboxPublished.inc({ topic }, messages.length);
      if (this.opts.logger.isLevelEnabled('debug')) {
        for (const m of messages) {
          this.opts.logger.debug(
            {
              topic,
              eventId: m.headers[EVENT_HEADERS.id],
              eventType: m.headers[EVENT_HEADERS.type],
              traceId: traceIdOf(m.headers[EVENT_HEADERS.traceparent] ?? ''),
            },
            'event published',
          );
        }
      }
    }
    return rows.length;
  }

  private isClientHealthy(): boolean {
    return this.client !== undefined;
  }

  /** The relay's own connection, opened once even when asked for concurrently. */
  private ensureClient(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.opts.databaseUrl,
      application_name: 'outbox-relay',
      // A half-open connection must fail rather than stall the outbox.
      keepAlive: true,
      query_timeout: 30_000,
    });
    // A lost connection must not crash the process: forget it, and the loop reconnects.
    client.on('error', (err) => {
      this.opts.logger.warn({ err: String(err) }, 'outbox relay connection lost');
      if (this.client === client) {
        this.client = undefined;
        this.leader = false;
      }
    });
    try {
      await client.connect();
      if (this.opts.listen) {
        client.on('notification', () => {
          if (this.wake) this.wake();
          else this.pendingWake = true;
        });
        await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    this.leader = false;
    return client;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.leader = false;
    if (client) await client.end().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
