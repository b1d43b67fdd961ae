import type { Admin } from 'kafkajs';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

export interface ReplicationWatchOptions {
  /** The service's own admin client, connected before {@link ReplicationWatch.start} and closed after {@link ReplicationWatch.stop}. */
  admin: Admin;
  /** The topics the service publishes to and consumes (prefixed). */
  topics: string[];
  metrics: Metrics;
  logger: Logger;
  /** How often the metadata is read (the consumer-lag interval). */
  intervalMs: number;
}

/**
 * Reads the metadata of the service's topics from the broker on a timer (one metadata request)
 * and sets `kafka_under_replicated_partitions{topic}`: the partitions whose in-sync replicas are
 * fewer than their replicas, i.e. a broker is down, cut off or behind. On a single broker it
 * stays 0. When the broker does not answer, the last reading stays. It asks through the service's
 * admin client: no connection of its own.
 */
export class ReplicationWatch {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly opts: ReplicationWatchOptions) {}

  start(): void {
    if (this.timer || this.opts.topics.length === 0) return;
    const tick = (): void => {
      this.inFlight = this.read().finally(() => {
        this.inFlight = undefined;
        if (this.timer) this.timer = setTimeout(tick, this.opts.intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** One reading: every partition's ISR against its replica set. */
  async read(): Promise<void> {
    const { topics, metrics, admin } = this.opts;
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      for (const t of meta) {
        const under = t.partitions.filter((p) => p.isr.length < p.replicas.length).length;
        metrics.kafkaUnderReplicatedPartitions.set({ topic: t.name }, under);
      }
    } catch (err) {
      this.opts.logger.debug({ err: String(err) }, 'topic metadata not read');
    }
  }
}
