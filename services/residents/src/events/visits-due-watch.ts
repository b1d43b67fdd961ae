import type { DataSource } from 'typeorm';
import { newTraceparent, systemClock, type Clock, type Logger } from '@liyuan/kit';
import { createTx } from '../app';
import { Visits } from '../domain/visits';

/** First key of the watch's transaction-level advisory lock (the second is the relay's lock key). */
const WATCH_LOCK_CLASS = 7_100_200;

export interface VisitsDueWatchOptions {
  dataSource: DataSource;
  logger: Logger;
  /** Time between ticks. */
  intervalMs: number;
  /** Households announced per transaction at most; a full batch ticks again at once. */
  batchSize: number;
  /** Second key of the advisory lock: one replica ticks at a time. */
  lockKey: number;
  /** What "now" is (tests move it forward). */
  clock?: Clock;
}

/**
 * Visits fall due with time passing, not with a change anyone makes: on each tick the watch
 * announces the households that fell due since (`VisitFellDue`, through the outbox). Replicas may
 * tick together; the notices' primary key makes each announcement happen once.
 */
export class VisitsDueWatch {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly clock: Clock;

  constructor(private readonly o: VisitsDueWatchOptions) {
    this.clock = o.clock ?? systemClock;
  }

  start(): void {
    this.schedule(this.o.intervalMs);
  }

  /** One tick: announces what fell due, batch after batch; returns how many households. */
  async tick(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.o.dataSource.transaction(async (manager) => {
        const [row] = (await manager.query(`SELECT pg_try_advisory_xact_lock($1, $2) AS locked`, [
          WATCH_LOCK_CLASS,
          this.o.lockKey,
        ])) as { locked: boolean }[];
        if (!row?.locked) return 0;
        return Visits.announceNewlyDue(
          createTx(manager, newTraceparent()),
          this.clock(),
          this.o.batchSize,
        );
      });
      total += n;
      if (n < this.o.batchSize || this.stopped) break;
    }
    if (total) this.o.logger.info({ households: total }, 'visits fell due');
    return total;
  }

  /** Stops ticking and waits for a tick under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.tick()
        .catch((err: unknown) =>
          this.o.logger.warn({ err: String(err) }, 'visits-due tick failed; retrying next tick'),
        )
        .finally(() => this.schedule(this.o.intervalMs));
    }, ms);
    this.timer.unref();
  }
}
