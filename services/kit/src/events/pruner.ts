import { Client } from 'pg';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

/** Where the pruner reads the time: the system clock, or a test's. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/**
 * First key of the pruner's two-key advisory lock (the second is the service's relay lock key).
 * Two-key locks never collide with one-key ones, such as the relay's or the migrations'.
 */
export const PRUNE_LOCK_CLASS = 7_100_100;

export interface PrunerOptions {
  /** The service database; each run opens one connection of its own, not one of the pool's. */
  databaseUrl: string;
  logger: Logger;
  metrics: Metrics;
  /** Sent outbox rows go once `sent_at` is older than this; unsent rows never. */
  outboxRetentionMs: number;
  /** `processed_events` rows go once `processed_at` is older than this. */
  dedupeWindowMs: number;
  /** Rows one DELETE statement removes at most. */
  batchSize: number;
  /** Statements per table and run at most; what is left waits for the next run. */
  maxBatchesPerRun: number;
  intervalMs: number;
  /** Second key of the advisory lock (with PRUNE_LOCK_CLASS): one replica prunes at a time. */
  lockKey: number;
  /** `now()` of the retention arithmetic (tests move it forward). */
  clock?: Clock;
  /**
   * How long a DELETE may wait for a lock before the run gives up until the next interval (5 s):
   * pruning never queues behind a migration or a long transaction.
   */
  lockTimeoutMs?: number;
}

/** What a run did to one table. */
export interface TablePrune {
  /** Rows each DELETE statement removed, in order (none when another replica held the lock). */
  statements: number[];
  deleted: number;
  /** Rows older than the cut-off may remain (the per-run cap was reached, or the pruner stopped). */
  capped: boolean;
}

export interface PruneRun {
  /** False when another replica held the lock, so this one deleted nothing. */
  leader: boolean;
  cutoffs: { outbox: Date; processed: Date };
  outbox: TablePrune;
  processed: TablePrune;
}

/**
 * One DELETE of at most `$2` rows older than `$1`, oldest first: the rows are picked through the
 * index on the age column (an ordered index scan also steps over the entries earlier batches left
 * dead, where a sequential scan would read them again each time), then deleted by their physical
 * address (`ctid`, a TID scan), the age checked again so a row goes only for the reason it was
 * picked. Each statement commits on its own, so no lock or snapshot outlives a batch.
 */
const DELETE_BATCH = {
  outbox_events: `DELETE FROM outbox_events
     WHERE ctid = ANY (ARRAY(
             SELECT ctid FROM outbox_events WHERE sent_at < $1 ORDER BY sent_at LIMIT $2))
       AND sent_at < $1`,
  processed_events: `DELETE FROM processed_events
     WHERE ctid = ANY (ARRAY(
             SELECT ctid FROM processed_events WHERE processed_at < $1 ORDER BY processed_at LIMIT $2))
       AND processed_at < $1`,
} as const;
type KitTable = keyof typeof DELETE_BATCH;

/**
 * Keeps the kit's tables bounded: every `intervalMs`, the replica holding the advisory lock deletes
 * sent outbox rows older than the outbox retention and `processed_events` rows older than the
 * dedupe window, in statements of at most `batchSize` rows, until none are left or
 * `maxBatchesPerRun` statements per table ran. Every run (leader or not) reads the tables'
 * estimated sizes into `event_table_rows`.
 */
export class EventTablePruner {
  private readonly clock: Clock;
  private running = false;
  /** Set by `stop()`: a run in progress ends after its current statement. */
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  /** The run in progress: runs never overlap, whether from the timer or `runOnce`. */
  private current: Promise<unknown> = Promise.resolve();
  /** The connection of the run in progress. */
  private client: Client | undefined;

  constructor(private readonly opts: PrunerOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Runs at once, then every `intervalMs`; a failed run is logged, counted and retried next time. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.schedule(0);
  }

  /**
   * Stops the timer and lets a run in progress finish its statement, waiting at most `graceMs`
   * before closing its connection under it (a batch not committed is simply deleted next time).
   */
  async stop(graceMs = 5000): Promise<void> {
    this.running = false;
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const current = this.current.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      current.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!finished) await this.client?.end().catch(() => undefined);
    await current;
  }

  /** One run, after any run in progress. */
  runOnce(): Promise<PruneRun> {
    const run = this.current.catch(() => undefined).then(() => this.prune());
    this.current = run;
    return run;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.runOnce();
    } catch (err) {
      this.opts.metrics.eventTablePruneFailures.inc();
      this.opts.logger.warn({ err: String(err) }, 'pruning the kit tables failed; retrying later');
    }
    this.schedule(this.opts.intervalMs);
  }

  private async prune(): Promise<PruneRun> {
    const { databaseUrl, lockKey, logger } = this.opts;
    const now = this.clock().getTime();
    const cutoffs = {
      outbox: new Date(now - this.opts.outboxRetentionMs),
      processed: new Date(now - this.opts.dedupeWindowMs),
    };
    const none = (): TablePrune => ({ statements: [], deleted: 0, capped: false });
    const client = new Client({
      connectionString: databaseUrl,
      application_name: 'kit-table-pruner',
      connectionTimeoutMillis: 10_000,
      lock_timeout: this.opts.lockTimeoutMs ?? 5000,
      // A batch is small; one that takes this long is better retried next time.
      statement_timeout: 60_000,
      query_timeout: 70_000,
    });
    this.client = client;
    // A connection the server ends mid-run fails that run's next query; it must not crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ leader: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS leader',
        [PRUNE_LOCK_CLASS, lockKey],
      );
      const leader = rows[0]?.leader === true;
      let outbox = none();
      let processed = none();
      if (leader) {
        try {
          outbox = await this.pruneTable(client, 'outbox_events', cutoffs.outbox);
          processed = await this.pruneTable(client, 'processed_events', cutoffs.processed);
        } finally {
          await client.query('SELECT pg_advisory_unlock($1, $2)', [PRUNE_LOCK_CLASS, lockKey]);
        }
      }
      await this.readSizes(client);
      if (outbox.deleted || processed.deleted) {
        logger.info(
          {
            outboxEvents: outbox.deleted,
            processedEvents: processed.deleted,
            capped: outbox.capped || processed.capped,
          },
          'pruned the kit tables',
        );
      }
      return { leader, cutoffs, outbox, processed };
    } finally {
      this.client = undefined;
      await client.end().catch(() => undefined);
    }
  }

  private async pruneTable(client: Client, table: KitTable, cutoff: Date): Promise<TablePrune> {
    const { batchSize, maxBatchesPerRun, metrics } = this.opts;
    const statements: number[] = [];
    for (;;) {
      if (statements.length >= maxBatchesPerRun || this.stopping) {
        return { statements, deleted: sum(statements), capped: true };
      }
      const { rowCount } = await client.query(DELETE_BATCH[table], [cutoff, batchSize]);
      const deleted = rowCount ?? 0;
      statements.push(deleted);
      if (deleted) metrics.eventTableRowsPruned.inc({ table }, deleted);
      if (deleted < batchSize) return { statements, deleted: sum(statements), capped: false };
    }
  }

  /** The planner's live-row estimates: cheap (no scan), kept current by inserts and deletes. */
  private async readSizes(client: Client): Promise<void> {
    const { rows } = await client.query<{ table: string; rows: string }>(
      `SELECT relname AS table, n_live_tup::text AS rows FROM pg_stat_user_tables
        WHERE relid IN ('outbox_events'::regclass, 'processed_events'::regclass)`,
    );
    for (const r of rows) this.opts.metrics.eventTableRows.set({ table: r.table }, Number(r.rows));
  }
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
