import type { Producer } from 'kafkajs';
import type { Logger } from '../logger';
import { connectOnce } from './kafka';

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

export interface InvalidationAnnouncerOptions {
  /** Connected on first use; shared with others (dead letters). */
  producer: Producer;
  topic: string;
  subgraph: string;
  logger: Logger;
}

/**
 * Announces that a subgraph changed after its consumer's applied effects commit (plugged in as
 * the consumer's after-commit listener), without holding up the events behind them: one
 * announcement in flight at a time, and one more after it when further effects committed meanwhile
 * (each is acknowledged by the broker after those effects committed). A failure is logged, not
 * retried, since the effect stands; caches then rely on their time limit.
 */
export class InvalidationAnnouncer {
  /** The announcement in flight, and whether another effect committed since it was sent. */
  private announcing: Promise<void> | undefined;
  private again = false;

  constructor(private readonly opts: InvalidationAnnouncerOptions) {}

  /** Asks for an announcement; resolves once one sent after this call is acknowledged (or failed). */
  announce(): Promise<void> {
    if (this.announcing) {
      this.again = true;
      return this.announcing;
    }
    const { producer, topic, subgraph, logger } = this.opts;
    this.announcing = (async () => {
      do {
        this.again = false;
        try {
          await connectOnce(producer);
          await publishInvalidation(producer, topic, subgraph, 'event');
        } catch (err) {
          logger.error({ err: String(err) }, 'cache invalidation not published');
        }
      } while (this.again);
    })().finally(() => {
      this.announcing = undefined;
    });
    return this.announcing;
  }
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
