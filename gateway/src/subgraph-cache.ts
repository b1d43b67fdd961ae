import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FetcherRequestInit } from '@apollo/utils.fetcher';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { Counter, type Registry } from 'prom-client';
import {
  IDENTITY_HEADERS,
  ensureTopics,
  parseInvalidation,
  publishInvalidation,
  type Logger,
} from '@liyuan/kit';

/** A subgraph answer as kept: enough to answer the same fetch again. */
export interface KeptAnswer {
  url: string;
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Entry {
  subgraph: string;
  generation: string;
  expiresAt: number;
  bytes: number;
  answer: KeptAnswer;
}

/**
 * Subgraph answers by key, least recently used dropped past `maxBytes`, none older than `ttlMs`.
 * Each subgraph has a generation, raised whenever it changes (and all of them at once when the
 * change feed may have missed something); an entry filled under an earlier generation is never
 * returned.
 */
export class AnswerStore {
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  private epoch = 0;
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly ttlMs: number,
  ) {}

  generation(subgraph: string): string {
    return `${this.epoch}.${this.generations.get(subgraph) ?? 0}`;
  }

  /** `subgraph` changed: nothing kept of it before now is answered again. */
  evict(subgraph: string): void {
    this.generations.set(subgraph, (this.generations.get(subgraph) ?? 0) + 1);
  }

  /** Anything may have changed. */
  evictAll(): void {
    this.epoch += 1;
    this.entries.clear();
    this.bytes = 0;
  }

  get(key: string, now = Date.now()): KeptAnswer | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.generation !== this.generation(e.subgraph) || e.expiresAt <= now) {
      this.drop(key, e);
      return undefined;
    }
    // Most recently used last: the map's order is the eviction order.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.answer;
  }

  /** Keeps `answer` unless `subgraph` changed since `generation` was read (before the fetch). */
  put(key: string, subgraph: string, generation: string, answer: KeptAnswer): boolean {
    if (generation !== this.generation(subgraph)) return false;
    const bytes = key.length + answer.body.length + 200;
    if (bytes > this.maxBytes) return false;
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    this.entries.set(key, {
      subgraph,
      generation,
      expiresAt: Date.now() + this.ttlMs,
      bytes,
      answer,
    });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(k, e);
    }
    return true;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }
}

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

/** What the cache needs of a subgraph answer. */
export interface AnswerLike {
  status: number;
  keep(): KeptAnswer | undefined;
}

/** How long a mutation's answer waits for its announcement to be acknowledged. */
const ANNOUNCE_TIMEOUT_MS = 3000;

export type CacheOutcome = 'hit' | 'miss' | 'bypass' | 'not_kept';

/**
 * Set by the gateway's data source on a query's fetch once the request has fenced; the fetcher
 * removes it before the call (it never reaches a subgraph).
 */
export const CACHE_FENCED_HEADER = 'x-gateway-cache-fenced';

/**
 * The gateway's subgraph cache: answers to queries kept per subgraph, caller and request body,
 * evicted by the change announcements on Kafka. A read first fences on the announcements, so it
 * never answers from an entry that an announcement already acknowledged by the broker has evicted:
 * a write through any gateway, then a read through any gateway, sees the write.
 */
export class SubgraphCache {
  private readonly outcomes: Counter<'subgraph' | 'outcome'>;
  private readonly announceFailures: Counter<'subgraph'>;

  constructor(
    readonly store: AnswerStore,
    private readonly feed: InvalidationFeed,
    private readonly fenceMs: number,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.outcomes = new Counter({
      name: 'gateway_subgraph_cache_total',
      help: 'Subgraph fetches of queries by cache outcome (hit, miss, bypass: the feed was not known up to date, not_kept: the answer may not be kept)',
      labelNames: ['subgraph', 'outcome'],
      registers: [registry],
    });
    this.announceFailures = new Counter({
      name: 'gateway_subgraph_cache_announce_failures_total',
      help: 'Mutations whose change announcement could not be published',
      labelNames: ['subgraph'],
      registers: [registry],
    });
  }

  /** Resolves true once every change announced before the call has been applied here. */
  fence(): Promise<boolean> {
    return this.feed.fence(this.fenceMs);
  }

  /**
   * A query's fetch: from the cache when its request has fenced (CACHE_FENCED_HEADER), else from
   * the subgraph (kept when allowed).
   */
  async query<R extends AnswerLike>(
    subgraph: string,
    init: FetcherRequestInit,
    fetchWith: (init: FetcherRequestInit) => Promise<R>,
    fromKept: (kept: KeptAnswer) => R,
  ): Promise<R> {
    const { [CACHE_FENCED_HEADER]: fenced, ...headers } = init.headers ?? {};
    const fetch = () => fetchWith({ ...init, headers });
    if (fenced !== '1') {
      this.outcomes.inc({ subgraph, outcome: 'bypass' });
      return fetch();
    }
    const key = keyOf(subgraph, init);
    const kept = this.store.get(key);
    if (kept) {
      this.outcomes.inc({ subgraph, outcome: 'hit' });
      return fromKept(kept);
    }
    // Read before the fetch: a change announced while it runs makes the answer unfit to keep.
    const generation = this.store.generation(subgraph);
    const res = await fetch();
    const answer = res.keep();
    const stored = answer !== undefined && this.store.put(key, subgraph, generation, answer);
    this.outcomes.inc({ subgraph, outcome: stored ? 'miss' : 'not_kept' });
    return res;
  }

  /**
   * A mutation's fetch: whatever its outcome (a timed-out write may have committed), this gateway
   * evicts the subgraph and announces the change to every gateway before the answer goes back.
   */
  async mutation<R>(subgraph: string, fetch: () => Promise<R>): Promise<R> {
    try {
      return await fetch();
    } finally {
      this.store.evict(subgraph);
      try {
        await this.feed.announce(subgraph, ANNOUNCE_TIMEOUT_MS);
      } catch (err) {
        this.announceFailures.inc({ subgraph });
        this.logger.error(
          { subgraph, err: String(err) },
          'subgraph cache: change not announced; other gateways keep their entries until they expire',
        );
      }
    }
  }

  stop(): Promise<void> {
    return this.feed.stop();
  }
}

/** The cache key of a fetch: subgraph, caller (not the signature's time) and the request body. */
function keyOf(subgraph: string, init: FetcherRequestInit): string {
  const caller = init.headers?.[IDENTITY_HEADERS.caller] ?? '';
  return `${subgraph}\u0000${caller}\u0000${init.body ?? ''}`;
}
