import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The kit's own tables, created in every service's database: the transactional outbox and the
 * idempotent consumer's record of processed events. Each service lists this migration first.
 */
export class KitTables1764200000000 implements MigrationInterface {
  name = 'KitTables1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox_events (
        seq          bigserial PRIMARY KEY,
        id           uuid NOT NULL UNIQUE,
        topic        text NOT NULL,
        type         text NOT NULL,
        aggregate_id text NOT NULL,
        envelope     jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        sent_at      timestamptz
      )`);
    // The relay only ever looks for unsent rows in commit-ish order.
    await q.query(`CREATE INDEX outbox_events_unsent ON outbox_events (seq) WHERE sent_at IS NULL`);
    await q.query(`
      CREATE TABLE processed_events (
        consumer     text NOT NULL,
        event_id     uuid NOT NULL,
        event_type   text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE processed_events`);
    await q.query(`DROP TABLE outbox_events`);
  }
}
