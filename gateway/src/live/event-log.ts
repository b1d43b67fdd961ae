import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { envelopeSchema, type Envelope } from '@liyuan/schemas';
import { ensureTopics, type Logger } from '@liyuan/kit';

/** A domain event read from the log, with where it stands there. */
export interface LoggedEvent {
  /** Topic without the deployment's prefix. */
  topic: string;
  partition: number;
  offset: bigint;
  /** When the broker appended it (ms since the epoch). */
  appendedAt: number;
  envelope: Envelope;
}

const REPLAY_TIMEOUT_MS = 30_000;

export type LogListener = (event: LoggedEvent) => void;

/** The next offset to read of each partition of a topic (index = partition). */
export type Frontier = bigint[];

function decode(topic: string, partition: number, m: KafkaMessage): LoggedEvent | null {
  try {
    const envelope = envelopeSchema.parse(JSON.parse(m.value?.toString('utf8') ?? '')) as Envelope;
    return {
      topic,
      partition,
      offset: BigInt(m.offset),
      appendedAt: Number(m.timestamp),
      envelope,
    };
  } catch {
    return null;
  }
}

/**
 * The gateway's own reading of the topics that feed subscriptions: one consumer per replica (a group
 * of its own, nothing committed) from where the log ended when it started, handing every event to
 * the listeners in partition order, synchronously, so a listener added between two events knows
 * exactly which it will get ({@link listen} returns that frontier). {@link replay} reads a past
 * range again for a subscriber that resumes.
 */
export class LiveEventLog {
  private readonly admin: Admin;
  private consumer: Consumer | undefined;
  private readonly next = new Map<string, Frontier>();
  private readonly listeners = new Set<LogListener>();
  private stopped = false;
  private readyResolve!: () => void;
  /** Resolves once the consumer has joined and reads from the recorded frontier. */
  readonly ready: Promise<void> = new Promise((r) => (this.readyResolve = r));

  constructor(
    private readonly kafka: Kafka,
    /** Topics without the prefix. */
    private readonly topics: readonly string[],
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.admin = kafka.admin({ retry: { retries: 2 } });
  }

  /** Starts reading in the background, retried while the broker is away. */
  startInBackground(): void {
    void (async () => {
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          await this.start();
          return;
        } catch (err) {
          this.logger.warn(
            { err: String(err), attempt },
            'live updates: Kafka not ready; retrying',
          );
          await sleep(Math.min(5000, 250 * attempt));
        }
      }
    })();
  }

  private async start(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    if (!this.topics.length) {
      this.readyResolve();
      return;
    }
    await this.admin.connect();
    const prefixed = this.topics.map((t) => this.prefix + t);
    await ensureTopics(this.admin, prefixed);
    for (const topic of this.topics)
      if (!this.next.has(topic)) this.next.set(topic, await this.ends(topic));
    const consumer = this.kafka.consumer({
      groupId: `${this.prefix}gateway-live-${randomUUID()}`,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 3000,
    });
    this.consumer = consumer;
    // Nothing is committed: on every (re)join reading resumes where this gateway stands.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [topic, frontier] of this.next)
        frontier.forEach((offset, partition) =>
          consumer.seek({ topic: this.prefix + topic, partition, offset: String(offset) }),
        );
      this.readyResolve();
    });
    await consumer.connect();
    if (this.stopped) return;
    await consumer.subscribe({ topics: prefixed, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const topic = batch.topic.slice(this.prefix.length);
        const frontier = this.next.get(topic) ?? [];
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset < (frontier[batch.partition] ?? 0n)) continue;
          frontier[batch.partition] = offset + 1n;
          const event = decode(topic, batch.partition, m);
          if (event) for (const l of this.listeners) l(event);
        }
        this.next.set(topic, frontier);
      },
    });
    this.logger.info({ topics: this.topics }, 'live updates reading the event log');
  }

  /**
   * Adds a listener and returns, per topic, the frontier from which it will be handed events:
   * everything at or after it, nothing before.
   */
  listen(listener: LogListener): Map<string, Frontier> {
    this.listeners.add(listener);
    return new Map([...this.next].map(([t, f]) => [t, [...f]]));
  }

  unlisten(listener: LogListener): void {
    this.listeners.delete(listener);
  }

  /** The end (next offset to be written) of every partition of a topic. */
  async ends(topic: string): Promise<Frontier> {
    const offsets = await this.admin.fetchTopicOffsets(this.prefix + topic);
    const out: Frontier = [];
    for (const o of offsets) out[o.partition] = BigInt(o.high);
    return out.map((x) => x ?? 0n);
  }

  /** The oldest offset the broker still holds of every partition of a topic. */
  async starts(topic: string): Promise<Frontier> {
    const offsets = await this.admin.fetchTopicOffsets(this.prefix + topic);
    const out: Frontier = [];
    for (const o of offsets) out[o.partition] = BigInt(o.low);
    return out.map((x) => x ?? 0n);
  }

  /**
   * Reads `topic` again from `from` up to (not including) `to`, per partition, and returns the
   * events in the order they happened across partitions (the envelope's time), each partition's in
   * its own order.
   */
  async replay(topic: string, from: Frontier, to: Frontier): Promise<LoggedEvent[]> {
    const wanted = to
      .map((end, partition) => ({ partition, start: from[partition] ?? 0n, end }))
      .filter((r) => r.start < r.end);
    if (!wanted.length) return [];
    const consumer = this.kafka.consumer({
      groupId: `${this.prefix}gateway-live-replay-${randomUUID()}`,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: 200,
    });
    const events: LoggedEvent[] = [];
    const reached = new Map(wanted.map((r) => [r.partition, r.start]));
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const check = () => {
      if (wanted.every((r) => reached.get(r.partition)! >= r.end)) done();
    };
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const r of wanted)
        consumer.seek({
          topic: this.prefix + topic,
          partition: r.partition,
          offset: String(r.start),
        });
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.prefix + topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const range = wanted.find((r) => r.partition === batch.partition);
          if (!range) return;
          for (const m of batch.messages) {
            const offset = BigInt(m.offset);
            if (offset < reached.get(range.partition)! || offset >= range.end) continue;
            reached.set(range.partition, offset + 1n);
            const event = decode(topic, batch.partition, m);
            if (event) events.push(event);
          }
          check();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`replaying ${topic} did not finish in ${REPLAY_TIMEOUT_MS} ms`)),
          REPLAY_TIMEOUT_MS,
        );
      });
      await Promise.race([finished, deadline]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    // Commit order as the producing service saw it; one partition's order is kept whatever.
    const at = (e: LoggedEvent) => Date.parse(e.envelope.occurredAt);
    return events.sort(
      (a, b) =>
        (a.partition === b.partition ? 0 : at(a) - at(b)) ||
        a.appendedAt - b.appendedAt ||
        a.partition - b.partition ||
        (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listeners.clear();
    await this.consumer?.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
