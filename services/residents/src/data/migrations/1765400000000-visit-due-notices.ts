import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The visits-due watch: one notice per household and due instant (its primary key is what makes a
 * `VisitFellDue` go out once, whichever replica ticks), and since when the watch looks (visits that
 * fell due before it existed are not announced: the grid's list already shows them).
 */
export class VisitDueNotices1765400000000 implements MigrationInterface {
  name = 'VisitDueNotices1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE visit_due_notices (
        household_id uuid NOT NULL REFERENCES households (id),
        due_at       timestamptz NOT NULL,
        grid_id      uuid NOT NULL,
        cadence_days integer NOT NULL,
        noticed_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (household_id, due_at)
      )`);
    await q.query(`
      CREATE TABLE visit_due_watch (
        id       boolean PRIMARY KEY DEFAULT true CHECK (id),
        since    timestamptz NOT NULL
      )`);
    await q.query(`INSERT INTO visit_due_watch (since) VALUES (now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE visit_due_watch`);
    await q.query(`DROP TABLE visit_due_notices`);
  }
}
