import type { FetcherRequestInit } from '@apollo/utils.fetcher';
import { Counter, type Registry } from 'prom-client';
import { IDENTITY_HEADERS, type Logger } from '@liyuan/kit';
import type { AnswerStore, KeptAnswer } from './answer-store';
import type { InvalidationFeed } from './invalidation-feed';

/** What the cache needs of a subgraph answer. */
export interface AnswerLike {
  status: number;
  keep(): KeptAnswer | undefined;
}

/** How long a mutation's answer waits for its announcement to be acknowledged. */
const ANNOUNCE_TIMEOUT_MS = 3000;

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
