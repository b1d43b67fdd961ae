import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { z } from 'zod';
import type { DataSource, EntityManager } from 'typeorm';
import { envelopeSchema, EVENT_CONTRACTS, EVENT_HEADERS, type Envelope } from '@liyuan/schemas';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { traceIdOf } from '../trace';
import { SpanKind, activeTrace, endSpan, inSpan, startSpan, type Tracer } from '../tracing';
import { ConsumerProgress, type ConsumerProgressStatus } from './consumer-progress';
import { PermanentFailure, RetryPolicy } from './retry-policy';

/** Context handed to an event handler besides the event and its transaction. */
export interface HandlerContext {
  logger: Logger;
}

/**
 * Applies one event's effect using `manager`, the transaction in which the event is also recorded
 * as processed. Throwing rolls both back; the event is retried, then dead-lettered.
 */
export type EventHandler = (
  event: Envelope,
  manager: EntityManager,
  ctx: HandlerContext,
) => Promise<void>;

/**
 * Applies the effects of a run of consecutive events of one type, in order, in one statement or
 * few, exactly as the type's EventHandler would one after the other (each event is already
 * recorded as processed in the same transaction). Used when a chunk of events is applied together;
 * a single event (and a chunk that failed) still goes through the per-event handler.
 */
export type BatchHandler = (
  events: Envelope[],
  manager: EntityManager,
  ctx: HandlerContext,
) => Promise<void>;

/** The events one committed transaction applied (duplicates and ignored events left out). */
export interface AppliedChunk {
  /** The consumer group that applied them. */
  consumer: string;
  topic: string;
  events: Envelope[];
}

/**
 * Runs once a transaction that applied events has committed. It does not hold up the events
 * behind: a promise it returns is awaited only when the consumer stops, and a failure is logged
 * (the effects stand).
 */
export type AfterCommitListener = (applied: AppliedChunk) => void | Promise<void>;

export interface ConsumerOptions {
  kafka: Kafka;
  groupId: string;
  /** How many partitions are handled at once (default 1). */
  partitionsConcurrently?: number;
  /** Traces each handling as a consumer span (a no-op tracer when tracing is off). */
  tracer?: Tracer;
  /** Where failed events go; `<groupId>.dlq` unless given. */
  deadLetterTopic?: string;
  topics: string[];
  handlers: Record<string, EventHandler>;
  /** Optional set-based versions of some handlers, for runs of events applied together. */
  batchHandlers?: Record<string, BatchHandler>;
  dataSource: DataSource;
  /** Producer used for dead letters. */
  producer: Producer;
  /**
   * Told, in order, after each transaction that applied events has committed (see
   * AfterCommitListener): where a service announces its changes, for instance.
   */
  afterCommit?: AfterCommitListener[];
  logger: Logger;
  metrics: Metrics;
  /** Tries per event before it is dead-lettered (see RetryPolicy). */
  maxAttempts: number;
  /** The wait after an event's first failed try; each further wait doubles. */
  backoffMs: number;
  /**
   * How often the group's committed offsets are read against the high watermarks (default 5 s),
   * and how long lag may stand still before the consumer counts as stalled (default 60 s).
   */
  progress?: { intervalMs: number; stallAfterMs: number };
}

/** How often offsets handled but not yet committed are committed (the end of a burst). */
const IDLE_COMMIT_MS = 1000;

type Outcome = 'applied' | 'duplicate' | 'ignored' | 'dead_lettered';

/** Events applied in one transaction when all goes well. */
const CHUNK = 100;

const tolerant = new Map<string, z.ZodType | undefined>();

/**
 * The schema a consumer checks an event's payload with: its contract, tolerating fields added
 * later (producers are strict). Built once per event type: zod compiles a schema on its first use.
 */
function tolerantSchema(type: string): z.ZodType | undefined {
  if (!tolerant.has(type)) {
    const data = EVENT_CONTRACTS.get(type)?.data;
    tolerant.set(type, data instanceof z.ZodObject ? data.loose() : data);
  }
  return tolerant.get(type);
}

/**
 * An idempotent consumer: each event's effect and its `(consumer, event id)` row commit in one
 * transaction, and the Kafka offset is committed only after, so a redelivered event changes
 * nothing. Up to a hundred events of a partition share a transaction; when it fails, its events
 * go one at a time (chunks of one) under the RetryPolicy: retried with backoff, then sent to the
 * group's dead-letter topic so one poison message does not stop the events behind it. After each
 * commit that applied events, the after-commit listeners are told.
 */
export class EventConsumer {
  private consumer: Consumer | undefined;
  private stopped = false;
  /** After-commit listeners still running. */
  private readonly listening = new Set<Promise<void>>();
  private progressMonitor: ConsumerProgress | undefined;
  /** Per `topic:partition`, the offset after the last message handled, and after the last committed. */
  private readonly handled = new Map<string, { topic: string; partition: number; next: bigint }>();
  private readonly committed = new Map<string, bigint>();
  private idleCommitTimer: NodeJS.Timeout | undefined;
  private idleCommit: Promise<void> | undefined;

  /** Every line this consumer logs names it once (the service may have bound it already). */
  private readonly logger: Logger;
  private readonly retry: RetryPolicy;

  constructor(private readonly opts: ConsumerOptions) {
    const bound = opts.logger.bindings() as { consumer?: string };
    this.logger =
      bound.consumer === opts.groupId ? opts.logger : opts.logger.child({ consumer: opts.groupId });
    this.retry = new RetryPolicy({
      groupId: opts.groupId,
      maxAttempts: opts.maxAttempts,
      backoffMs: opts.backoffMs,
      deadLetterTopic: opts.deadLetterTopic,
      producer: opts.producer,
      metrics: opts.metrics,
    });
  }

  /** Joins the group and starts consuming; a new group reads each topic from its beginning. */
  async start(): Promise<void> {
    const { kafka, groupId, topics } = this.opts;
    this.stopped = false;
    // A retried start must not leave the previous attempt's member (or timers) behind.
    clearTimeout(this.idleCommitTimer);
    this.idleCommitTimer = undefined;
    await this.progressMonitor?.stop();
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      // After a broker restart the group waits out the previous member's session before it
      // rebalances: 10 s (not 30) bounds how long consumers stand still once the broker is back.
      sessionTimeout: 10_000,
      heartbeatInterval: 3000,
      // After the retries a crashed consumer is restarted by kafkajs (restartOnFailure), rejoining the group.
      retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    const consumer = this.consumer;
    this.handled.clear();
    this.committed.clear();
    consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
      for (const t of payload.topics)
        for (const p of t.partitions)
          this.committed.set(`${t.topic}:${p.partition}`, BigInt(p.offset));
    });
    // After a rebalance only the partitions still assigned are this member's to commit.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`)),
      );
      for (const key of [...this.handled.keys()]) if (!assigned.has(key)) this.handled.delete(key);
      this.committed.clear();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    await this.consumer.run({
      autoCommit: true,
      // Offsets are committed every second or hundred messages, not per message: a crash re-reads
      // at most that much, and the processed-events table makes the re-read harmless.
      autoCommitInterval: 1000,
      autoCommitThreshold: 100,
      // Only offsets of handled messages are committed: a batch cut short by shutdown is re-read.
      eachBatchAutoResolve: false,
      // Partitions are independent (an aggregate's events share one), so several run side by side.
      partitionsConsumedConcurrently: this.opts.partitionsConcurrently ?? 1,
      // Batches give the partition's high watermark, hence the lag; messages are still handled
      // and their offsets resolved one at a time.
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        isRunning,
        isStale,
        commitOffsetsIfNecessary,
      }) => {
        const record = (message: KafkaMessage, outcome: Outcome) => {
          resolveOffset(message.offset);
          this.handled.set(`${batch.topic}:${batch.partition}`, {
            topic: batch.topic,
            partition: batch.partition,
            next: BigInt(message.offset) + 1n,
          });
          this.opts.metrics.eventsConsumed.inc({
            consumer: groupId,
            type: headerText(message, EVENT_HEADERS.type) ?? 'unknown',
            outcome,
          });
        };
        const messages = batch.messages;
        for (let i = 0; i < messages.length;) {
          if (!isRunning() || isStale()) break;
          // Up to CHUNK events share one transaction (one commit instead of one each); when any of
          // them fails, the chunk rolls back and its events go one at a time (each a chunk of one),
          // under the retry and dead-letter policy.
          const chunk = messages.slice(i, i + CHUNK);
          const outcomes = chunk.length > 1 ? await this.tryChunk(batch.topic, chunk) : undefined;
          if (outcomes) {
            chunk.forEach((m, k) => record(m, outcomes[k]!));
          } else {
            for (const message of chunk) {
              if (!isRunning() || isStale()) break;
              const outcome = await this.process(batch.topic, batch.partition, message, heartbeat);
              record(message, outcome);
              await commitOffsetsIfNecessary();
              await heartbeat();
            }
          }
          i += chunk.length;
          await commitOffsetsIfNecessary();
          await heartbeat();
        }
      },
    });
    this.progressMonitor = new ConsumerProgress({
      kafka,
      groupId,
      topics,
      metrics: this.opts.metrics,
      logger: this.logger,
      intervalMs: this.opts.progress?.intervalMs ?? 5000,
      stallAfterMs: this.opts.progress?.stallAfterMs ?? 60_000,
    });
    this.progressMonitor.start();
    this.scheduleIdleCommit();
  }

  /** Lag and stall of the group as last read from the broker (undefined before the first start). */
  progress(): ConsumerProgressStatus | undefined {
    return this.progressMonitor?.status();
  }

  /**
   * kafkajs commits resolved offsets only while batches arrive; once a burst ends, what was handled
   * since its last commit would wait for the next message. A timer commits it, so the group's
   * committed offsets (what a restart resumes from, and what operators read) reach the handled ones.
   */
  private scheduleIdleCommit(): void {
    const tick = (): void => {
      this.idleCommit = this.commitHandled().finally(() => {
        this.idleCommit = undefined;
        if (this.idleCommitTimer) this.idleCommitTimer = setTimeout(tick, IDLE_COMMIT_MS).unref();
      });
    };
    this.idleCommitTimer = setTimeout(tick, IDLE_COMMIT_MS).unref();
  }

  private async commitHandled(stopping = false): Promise<void> {
    const pending = [...this.handled.entries()].filter(
      ([key, h]) => h.next > (this.committed.get(key) ?? -1n),
    );
    if (!pending.length || !this.consumer || (this.stopped && !stopping)) return;
    try {
      await this.consumer.commitOffsets(
        pending.map(([, h]) => ({
          topic: h.topic,
          partition: h.partition,
          offset: String(h.next),
        })),
      );
    } catch (err) {
      // A rebalance under way: the next member commits from where the group left off.
      this.logger.debug({ err: String(err) }, 'idle offset commit failed');
    }
  }

  /**
   * One try at a run of messages together: their outcomes, or undefined when any envelope is
   * malformed or the run's transaction failed (nothing is kept; the caller then takes them one by
   * one).
   */
  private async tryChunk(topic: string, messages: KafkaMessage[]): Promise<Outcome[] | undefined> {
    // Events of a type this consumer does not handle, as the relay's `event-type` header names it,
    // are ignored unread: a topic carries every event of its aggregate, and most are someone else's.
    const skipped = messages.map((m) => this.notHandled(m));
    if (skipped.every(Boolean)) return messages.map(() => 'ignored');
    const events: Envelope[] = [];
    try {
      for (const [k, m] of messages.entries()) if (!skipped[k]) events.push(parseEnvelope(m));
      const applied = await this.applyChunk(topic, events);
      let next = 0;
      return messages.map((_, k) => (skipped[k] ? 'ignored' : applied[next++]!));
    } catch (err) {
      this.logger.debug(
        { err: String(err), events: messages.length },
        'chunk failed; one event at a time',
      );
      return undefined;
    }
  }

  /** Whether the message's `event-type` header names a type this consumer has no handler for. */
  private notHandled(message: KafkaMessage): boolean {
    const type = headerText(message, EVENT_HEADERS.type);
    return type !== undefined && !this.opts.handlers[type];
  }

  /**
   * Applies a chunk of events of one partition (one event is a chunk of one) in one transaction:
   * one statement records those this consumer handles as processed, and only the events it newly
   * recorded (not seen before, and the first of any id repeated within the chunk) get their
   * effect, in event order. Returns each event's outcome once the transaction committed; throws
   * when any effect fails (nothing is kept). `loggers` holds each event's logger where the caller
   * has made it already.
   */
  private async applyChunk(
    topic: string,
    events: Envelope[],
    loggers: Logger[] = [],
  ): Promise<Outcome[]> {
    const { handlers, batchHandlers, groupId, dataSource } = this.opts;
    // One child logger per event, made when first needed (its effect, then its "consumed" line).
    const loggerAt = (k: number): Logger => (loggers[k] ??= this.eventLogger(events[k]!));
    const handled = events.filter((e) => handlers[e.type]);
    if (handled.length === 0) return events.map(() => 'ignored');
    const outcomes = await dataSource.transaction(async (manager) => {
      const fresh = new Set(
        (
          (await manager.query(
            `INSERT INTO processed_events (consumer, event_id, event_type)
             SELECT $1, e.id, e.type FROM unnest($2::uuid[], $3::text[]) AS e(id, type)
             ON CONFLICT DO NOTHING RETURNING event_id`,
            [groupId, handled.map((e) => e.id), handled.map((e) => e.type)],
          )) as { event_id: string }[]
        ).map((r) => r.event_id),
      );
      const result: Outcome[] = events.map((event) =>
        !handlers[event.type]
          ? 'ignored'
          : fresh.delete(event.id.toLowerCase())
            ? 'applied'
            : 'duplicate',
      );
      // A run of consecutive new events of a type with a batch handler is applied in one call.
      for (let i = 0; i < events.length;) {
        const event = events[i]!;
        if (result[i] !== 'applied') {
          i += 1;
          continue;
        }
        const batch = batchHandlers?.[event.type];
        let end = i + 1;
        while (
          batch &&
          end < events.length &&
          events[end]!.type === event.type &&
          result[end] === 'applied'
        )
          end += 1;
        if (batch && end - i > 1) {
          await this.tracedRun(topic, events.slice(i, end), (run) =>
            batch(
              run.map((e) => this.validated(e)),
              manager,
              { logger: this.logger },
            ),
          );
        } else {
          const handler = handlers[event.type]!;
          const logger = loggerAt(i);
          await this.traced(topic, event, (e) => handler(this.validated(e), manager, { logger }));
        }
        i = batch ? end : i + 1;
      }
      return result;
    });
    events.forEach((event, k) => {
      if (outcomes[k] === 'ignored') return;
      loggerAt(k).info({ outcome: outcomes[k] }, 'event consumed');
    });
    if (outcomes.includes('applied'))
      this.afterCommit({
        consumer: groupId,
        topic,
        events: events.filter((_, k) => outcomes[k] === 'applied'),
      });
    return outcomes;
  }

  /** Tells the after-commit listeners what a committed transaction applied. */
  private afterCommit(applied: AppliedChunk): void {
    for (const listener of this.opts.afterCommit ?? []) {
      const running: Promise<void> = (async () => listener(applied))()
        .catch((err: unknown) => {
          this.logger.error({ err: String(err) }, 'after-commit listener failed');
        })
        .finally(() => this.listening.delete(running));
      this.listening.add(running);
    }
  }

  /** Leaves the group after the message in hand is processed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.idleCommitTimer);
    this.idleCommitTimer = undefined;
    await this.idleCommit;
    // What was handled since the last commit is committed on the way out: a restart resumes there.
    await this.commitHandled(true);
    await this.progressMonitor?.stop();
    await this.consumer?.disconnect();
    await Promise.all(this.listening);
    this.consumer = undefined;
  }

  /**
   * Handles one Kafka message as a chunk of one under the retry policy; resolves once its outcome
   * is durable (applied, skipped or dead-lettered).
   */
  private async process(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    if (this.notHandled(message)) return 'ignored';
    let event: Envelope | undefined;
    let log: Logger | undefined;
    const settled = await this.retry.settle(
      { topic, partition, message },
      async () => {
        const parsed = (event ??= parseEnvelope(message));
        log ??= this.eventLogger(parsed);
        const [outcome] = await this.applyChunk(topic, [parsed], [log]);
        return outcome!;
      },
      {
        failed: (attempt, maxAttempts, err) =>
          log?.warn({ attempt, maxAttempts, err }, 'event handler failed'),
        unavailable: (err) =>
          log?.warn({ err }, 'database unreachable; the event waits for it without spending a try'),
        waited: heartbeat,
        stopping: () => this.stopped,
      },
    );
    if (settled.ok) return settled.value;
    log?.error({ err: settled.error }, 'event dead-lettered');
    return 'dead_lettered';
  }

  /** Runs `work` in a consumer span of the event's trace: what the handler publishes continues it. */
  private traced<T>(
    topic: string,
    event: Envelope,
    work: (event: Envelope) => Promise<T>,
  ): Promise<T> {
    const tracer = this.opts.tracer;
    if (!tracer) return work(event);
    return inSpan(
      tracer,
      `process ${event.type}`,
      event.traceparent,
      SpanKind.CONSUMER,
      {
        'messaging.system': 'kafka',
        'messaging.destination.name': topic,
        'messaging.message.id': event.id,
      },
      (traceparent) =>
        activeTrace.run({ tracer, traceparent }, () => work({ ...event, traceparent })),
    );
  }

  private eventLogger(event: Envelope): Logger {
    return this.logger.child({
      eventId: event.id,
      eventType: event.type,
      traceId: traceIdOf(event.traceparent),
    });
  }

  /** The event with its payload checked against its contract (extra fields tolerated). */
  private validated(event: Envelope): Envelope {
    const schema = tolerantSchema(event.type);
    const data = schema ? schema.parse(event.data) : event.data;
    return { ...event, data: data as Record<string, unknown> };
  }

  /** A consumer span per event of a run applied together; the run ends them all. */
  private async tracedRun<T>(
    topic: string,
    events: Envelope[],
    work: (events: Envelope[]) => Promise<T>,
  ): Promise<T> {
    const tracer = this.opts.tracer;
    if (!tracer) return work(events);
    const spans = events.map((event) =>
      startSpan(tracer, `process ${event.type}`, event.traceparent, SpanKind.CONSUMER, {
        'messaging.system': 'kafka',
        'messaging.destination.name': topic,
        'messaging.message.id': event.id,
        'messaging.batch.message_count': events.length,
      }),
    );
    try {
      const out = await work(events.map((e, k) => ({ ...e, traceparent: spans[k]!.traceparent })));
      for (const { span } of spans) endSpan(span);
      return out;
    } catch (err) {
      for (const { span } of spans) endSpan(span, err);
      throw err;
    }
  }
}

function headerText(message: KafkaMessage, name: string): string | undefined {
  const v = message.headers?.[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v[0]?.toString() : v.toString();
}

/** The message's envelope; a message that is not one fails permanently (it is dead-lettered). */
function parseEnvelope(message: KafkaMessage): Envelope {
  try {
    return envelopeSchema.parse(JSON.parse(message.value?.toString('utf8') ?? '')) as Envelope;
  } catch (err) {
    throw new PermanentFailure(`malformed envelope: ${String(err)}`);
  }
}
