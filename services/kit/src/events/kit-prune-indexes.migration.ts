import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The indexes the pruner's deletes read through (`EventTablePruner`): sent outbox rows by `sent_at`
 * (the unsent ones, which the relay reads by `seq`, are left out) and processed events by
 * `processed_at`. Built CONCURRENTLY, outside a transaction, so writers to tables that may have grown
 * large are never blocked; an index a failed attempt left invalid is dropped and built again. Each
 * service lists this migration after its own.
 */
export class KitPruneIndexes1765300000000 implements MigrationInterface {
  name = 'KitPruneIndexes1765300000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS outbox_events_sent_at`);
    await q.query(
      `CREATE INDEX CONCURRENTLY outbox_events_sent_at ON outbox_events (sent_at) WHERE sent_at IS NOT NULL`,
    );
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS processed_events_processed_at`);
    await q.query(
      `CREATE INDEX CONCURRENTLY processed_events_processed_at ON processed_events (processed_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // TypeORM reverts in a transaction, where CONCURRENTLY is not allowed.
    await q.query(`DROP INDEX IF EXISTS processed_events_processed_at`);
    await q.query(`DROP INDEX IF EXISTS outbox_events_sent_at`);
  }
}
