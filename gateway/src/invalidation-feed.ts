import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { ensureTopics, parseInvalidation, publishInvalidation, type Logger } from '@liyuan/kit';
import type { AnswerStore } from './answer-store';

type Offsets = Map<number, bigint>;

/**
 * Reads the change announcements (`cache.invalidations`) of every subgraph and tells the store,
 * and answers "has everything the broker had acknowledged when I asked been read?" (the fence).
 * Each gateway reads with a consumer group of its own, from where it stood when it started; it
 * publishes an announcement for each mutation it forwards.
 */
export class InvalidationFeed {
  private readonly admin: Admin;
  private readonly producer: Producer;
  private consumer: Consumer | undefined;
  /** The next offset to read, per partition; known once started. */
  private readonly next: Offsets = new Map();
  private ready = false;
  private stopped = false;
  private producerConnected: Promise<void> | undefined;
  private waiters: { ends: Offsets; done: (ok: boolean) => void }[] = [];
  /** A ListOffsets not sent yet, which callers may share, and the one in flight. */
  private queued: Promise<Offsets> | undefined;
  private sending: Promise<Offsets> | undefined;
  private unreachableUntil = 0;
  private starting: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupPrefix: string,
    private readonly store: AnswerStore,
    private readonly logger: Logger,
    /** The subgraphs the gateway serves, by the names announcements use. */
    private readonly subgraphs: ReadonlySet<string>,
  ) {
    this.admin = kafka.admin({ retry: { retries: 1 } });
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
  }

  /**
   * Starts reading in the background, retried while the broker is away; until it reads, `fence`
   * answers false and every read goes to its subgraph.
   */
  startInBackground(): void {
    this.starting = (async () => {
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          await this.start();
          this.logger.info('subgraph cache reading change announcements');
          return;
        } catch (err) {
          this.logger.warn(
            { err: String(err), attempt },
            'subgraph cache: Kafka not ready; retrying',
          );
          await sleep(Math.min(5000, 250 * attempt), undefined, {
            signal: this.stopping.signal,
          }).catch(() => undefined);
        }
      }
    })();
  }

  private async start(): Promise<void> {
    // A retried start must not leave the previous attempt's member behind.
    await this.consumer?.disconnect().catch(() => undefined);
    await this.admin.connect();
    await ensureTopics(this.admin, [this.topic]);
    for (const [p, o] of await this.endOffsets()) this.next.set(p, o);
    const consumer = this.kafka.consumer({
      groupId: `${this.groupPrefix}gateway-cache-${randomUUID()}`,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 3000,
    });
    this.consumer = consumer;
    // The group has no committed offsets: on every (re)join, reading resumes where this gateway
    // stands, so no announcement between start (or a broker outage) and the join is skipped.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, offset] of this.next)
        consumer.seek({ topic: this.topic, partition, offset: String(offset) });
      this.ready = true;
    });
    consumer.on(consumer.events.CRASH, () => {
      this.ready = false;
    });
    await consumer.connect();
    if (this.stopped) return;
    await consumer.subscribe({ topics: [this.topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const expected = this.next.get(batch.partition) ?? 0n;
        const first = BigInt(batch.firstOffset() ?? expected);
        if (first > expected) {
          // Announcements were skipped (the group started elsewhere): nothing kept can be trusted.
          this.logger.warn(
            { partition: batch.partition, expected: String(expected), first: String(first) },
            'subgraph cache: announcements skipped; everything evicted',
          );
          this.store.evictAll();
        }
        for (const m of batch.messages) {
          // An announcement this gateway cannot place (unreadable, or naming a subgraph it does not
          // know by that name) evicts everything rather than nothing.
          const change = parseInvalidation(m.value);
          if (change && this.subgraphs.has(change.subgraph)) this.store.evict(change.subgraph);
          else this.store.evictAll();
        }
        const last = BigInt(batch.lastOffset()) + 1n;
        if (last > expected) this.next.set(batch.partition, last);
        this.wake();
      },
    });
  }

  /**
   * Resolves true once every announcement the broker had acknowledged when this was called has
   * been read (its evictions applied), false when that cannot be known within `timeoutMs`.
   */
  async fence(timeoutMs: number): Promise<boolean> {
    if (!this.ready || this.stopped || Date.now() < this.unreachableUntil) return false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    try {
      const ends = await Promise.race([this.sharedEndOffsets(), deadline]);
      if (!ends) return false;
      if (this.caughtUp(ends)) return true;
      const waiter = { ends, done: (_ok: boolean): void => undefined };
      const caught = new Promise<boolean>((done) => {
        waiter.done = done;
        this.waiters.push(waiter);
      });
      const ok = await Promise.race([caught, deadline]);
      if (!ok) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        // The broker answered but this gateway's reading did not catch up (its consumer is
        // stalled or rejoining): reads skip the cache for a second instead of each waiting.
        this.unreachableUntil = Date.now() + 1000;
      }
      return ok;
    } catch {
      // The broker did not answer: reads skip the cache for a second instead of each waiting.
      this.unreachableUntil = Date.now() + 1000;
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Announces that `subgraph` changed; resolves once the broker has it, and fails when it has not
   * within `timeoutMs` (a mutation's answer waits for this, so an absent broker must not hold it).
   */
  async announce(subgraph: string, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`not acknowledged within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const send = async () => {
      this.producerConnected ??= this.producer.connect().catch((err: unknown) => {
        this.producerConnected = undefined;
        throw err;
      });
      await this.producerConnected;
      await publishInvalidation(this.producer, this.topic, subgraph, 'mutation');
    };
    const sending = send();
    sending.catch(() => undefined);
    try {
      await Promise.race([sending, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ready = false;
    this.stopping.abort();
    for (const w of this.waiters) w.done(false);
    this.waiters = [];
    // A start under way finishes (within a bound) before its consumer is left.
    await Promise.race([this.starting, sleep(10_000, undefined, { ref: false })]);
    await this.consumer?.disconnect().catch(() => undefined);
    if (this.producerConnected) await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  private caughtUp(ends: Offsets): boolean {
    for (const [p, end] of ends) if ((this.next.get(p) ?? 0n) < end) return false;
    return true;
  }

  private wake(): void {
    if (!this.waiters.length) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.caughtUp(w.ends)) w.done(true);
      else still.push(w);
    }
    this.waiters = still;
  }

  /**
   * The end offsets as of a request sent after this call: callers arriving while one request is in
   * flight share the next one, so a burst of reads costs one round trip to the broker.
   */
  private sharedEndOffsets(): Promise<Offsets> {
    if (this.queued) return this.queued;
    const previous = this.sending;
    const slot: { request?: Promise<Offsets> } = {};
    slot.request = (async () => {
      await previous?.catch(() => undefined);
      await null;
      if (this.queued === slot.request) this.queued = undefined;
      this.sending = slot.request;
      return this.endOffsets();
    })();
    const request = slot.request;
    this.queued = request;
    request
      .finally(() => {
        if (this.sending === request) this.sending = undefined;
      })
      .catch(() => undefined);
    return request;
  }

  private async endOffsets(): Promise<Offsets> {
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  }
}
