import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

/** What readiness and the status page know of one consumer group. */
export interface ConsumerProgressStatus {
  consumer: string;
  /** Messages between the group's committed offsets and the high watermarks, all partitions. */
  lag: number;
  /** Lag above zero while the committed offsets have not moved for the stall threshold. */
  stalled: boolean;
  /** Milliseconds since the committed offsets last moved (or the lag was last zero). */
  sinceAdvanceMs: number;
  /** Whether the broker answered the last reading (false: the figures are from an earlier one). */
  fresh: boolean;
}

export interface ConsumerProgressOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  metrics: Metrics;
  logger: Logger;
  /** How often the offsets are read (default 5 s). */
  intervalMs: number;
  /** Lag that has not moved for this long makes the consumer stalled (default 60 s). */
  stallAfterMs: number;
}

/**
 * Reads a consumer group's committed offsets and every subscribed partition's high watermark from
 * the broker on a timer, so the lag an operator reads is what the broker holds — also while no
 * batch arrives, which is exactly when a stuck consumer needs to be seen.
 */
export class ConsumerProgress {
  private admin: Admin | undefined;
  private connected: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private committedSum: bigint | undefined;
  private lastAdvanceAt = Date.now();
  private lag = 0;
  private fresh = false;

  constructor(private readonly opts: ConsumerProgressOptions) {}

  start(): void {
    if (this.timer) return;
    this.lastAdvanceAt = Date.now();
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
    const admin = this.admin;
    this.admin = undefined;
    this.connected = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  status(): ConsumerProgressStatus {
    const sinceAdvanceMs = Date.now() - this.lastAdvanceAt;
    return {
      consumer: this.opts.groupId,
      lag: this.lag,
      stalled: this.lag > 0 && sinceAdvanceMs >= this.opts.stallAfterMs,
      sinceAdvanceMs,
      fresh: this.fresh,
    };
  }

  /** One reading: committed offsets against high watermarks, for every subscribed partition. */
  async read(): Promise<void> {
    const { groupId, topics, metrics } = this.opts;
    try {
      this.admin ??= this.opts.kafka.admin({ retry: { retries: 0 } });
      this.connected ??= this.admin.connect().catch((err: unknown) => {
        this.connected = undefined;
        throw err;
      });
      await this.connected;
      const admin = this.admin;
      const [committed, ends] = await Promise.all([
        admin.fetchOffsets({ groupId, topics }),
        Promise.all(topics.map(async (t) => [t, await admin.fetchTopicOffsets(t)] as const)),
      ]);
      let total = 0;
      let sum = 0n;
      for (const [topic, partitions] of ends) {
        const group = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const p of partitions) {
          const c = group.find((g) => g.partition === p.partition)?.offset;
          // No committed offset yet: the group reads the partition from its start.
          const from = c === undefined || c === '-1' ? BigInt(p.low) : BigInt(c);
          const lag = Number(BigInt(p.high) > from ? BigInt(p.high) - from : 0n);
          sum += from;
          total += lag;
          metrics.consumerLag.set(
            { consumer: groupId, topic, partition: String(p.partition) },
            lag,
          );
        }
      }
      if (sum !== this.committedSum || total === 0) this.lastAdvanceAt = Date.now();
      this.committedSum = sum;
      this.lag = total;
      this.fresh = true;
      metrics.consumerStalled.set({ consumer: groupId }, this.status().stalled ? 1 : 0);
    } catch (err) {
      // The broker is away: readiness already says so through its own check.
      this.fresh = false;
      this.opts.logger.debug({ err: String(err) }, 'consumer offsets not read');
    }
  }
}
