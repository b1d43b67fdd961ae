import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Opportunities run in shifts: each shift has its own time and slots, and volunteers sign up for,
 * check in to and log hours from a shift. An opportunity keeps its span (first start, last end)
 * and its total slots. Existing opportunities become one shift each; their sign-ups and service
 * records move onto it.
 */
export class Shifts1764900000000 implements MigrationInterface {
  name = 'Shifts1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE shifts (
        id             uuid PRIMARY KEY,
        opportunity_id uuid NOT NULL REFERENCES opportunities (id),
        starts_at      timestamptz NOT NULL,
        ends_at        timestamptz NOT NULL CHECK (ends_at > starts_at),
        slots          integer NOT NULL CHECK (slots BETWEEN 1 AND 500),
        UNIQUE (opportunity_id, starts_at, ends_at)
      )`);
    await q.query(`CREATE INDEX shifts_starts_at ON shifts (starts_at)`);
    await q.query(`
      INSERT INTO shifts (id, opportunity_id, starts_at, ends_at, slots)
      SELECT gen_random_uuid(), id, starts_at, ends_at, slots FROM opportunities`);

    await q.query(`ALTER TABLE signups ADD COLUMN shift_id uuid REFERENCES shifts (id)`);
    await q.query(
      `UPDATE signups s SET shift_id = sh.id FROM shifts sh WHERE sh.opportunity_id = s.opportunity_id`,
    );
    await q.query(`ALTER TABLE signups ALTER COLUMN shift_id SET NOT NULL`);
    await q.query(`ALTER TABLE signups DROP CONSTRAINT signups_opportunity_id_volunteer_id_key`);
    await q.query(
      `ALTER TABLE signups ADD CONSTRAINT signups_shift_volunteer UNIQUE (shift_id, volunteer_id)`,
    );
    await q.query(`CREATE INDEX signups_volunteer ON signups (volunteer_id)`);

    await q.query(`ALTER TABLE service_records ADD COLUMN shift_id uuid REFERENCES shifts (id)`);
    await q.query(
      `UPDATE service_records r SET shift_id = sh.id FROM shifts sh WHERE sh.opportunity_id = r.opportunity_id`,
    );
    // One record per volunteer and shift (hours from one shift are never logged twice).
    await q.query(
      `ALTER TABLE service_records ADD CONSTRAINT service_records_shift_volunteer UNIQUE (volunteer_id, shift_id)`,
    );
    // The opportunity's total may exceed one shift's 500 slots.
    await q.query(`ALTER TABLE opportunities DROP CONSTRAINT opportunities_slots_check`);
    await q.query(
      `ALTER TABLE opportunities ADD CONSTRAINT opportunities_slots_check CHECK (slots BETWEEN 1 AND 25000)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE opportunities DROP CONSTRAINT opportunities_slots_check`);
    await q.query(
      `ALTER TABLE opportunities ADD CONSTRAINT opportunities_slots_check CHECK (slots BETWEEN 1 AND 500)`,
    );
    await q.query(`ALTER TABLE service_records DROP CONSTRAINT service_records_shift_volunteer`);
    await q.query(`ALTER TABLE service_records DROP COLUMN shift_id`);
    await q.query(`DROP INDEX signups_volunteer`);
    await q.query(`ALTER TABLE signups DROP CONSTRAINT signups_shift_volunteer`);
    await q.query(`ALTER TABLE signups DROP COLUMN shift_id`);
    await q.query(`ALTER TABLE signups ADD UNIQUE (opportunity_id, volunteer_id)`);
    await q.query(`DROP TABLE shifts`);
  }
}
