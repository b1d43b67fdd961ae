import type { Producer } from 'kafkajs';

/**
 * The topic on which every change to what a subgraph answers is announced, after it commits: the
 * gateway publishes one after each mutation it forwards, each consumer after it applies an event's
 * effect. Gateways with a subgraph cache evict that subgraph's entries on it (see the gateway's
 * README); it carries service names only, never data.
 */
export const CACHE_INVALIDATION_TOPIC = 'cache.invalidations';

/** One announcement: `subgraph` changed (a mutation was sent to it, or one of its consumers applied an event). */
export interface CacheInvalidation {
  subgraph: string;
  /** `mutation` or `event`. */
  cause: 'mutation' | 'event';
  at: string;
}

/** Publishes that `subgraph` changed and resolves once the broker has acknowledged it. */
export async function publishInvalidation(
  producer: Producer,
  topic: string,
  subgraph: string,
  cause: CacheInvalidation['cause'],
): Promise<void> {
  const record: CacheInvalidation = { subgraph, cause, at: new Date().toISOString() };
  await producer.send({
    topic,
    acks: -1,
    messages: [{ key: subgraph, value: JSON.stringify(record) }],
  });
}

/** Reads an announcement; undefined for anything else. */
export function parseInvalidation(value: Buffer | null): CacheInvalidation | undefined {
  try {
    const v = JSON.parse(value?.toString('utf8') ?? '') as Partial<CacheInvalidation>;
    return typeof v.subgraph === 'string' && (v.cause === 'mutation' || v.cause === 'event')
      ? (v as CacheInvalidation)
      : undefined;
  } catch {
    return undefined;
  }
}
