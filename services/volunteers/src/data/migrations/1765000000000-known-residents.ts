import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What volunteers knows of the registry, kept from the residents' events: enough to refuse a
 * reference to a resident who is not registered or has left, and to group volunteers by grid.
 */
export class KnownResidents1765000000000 implements MigrationInterface {
  name = 'KnownResidents1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE known_residents (
        resident_id  uuid PRIMARY KEY,
        household_id uuid NOT NULL,
        grid_id      uuid NOT NULL,
        status       text NOT NULL CHECK (status IN ('active', 'moved_out', 'deceased')),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX known_residents_grid ON known_residents (grid_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE known_residents`);
  }
}
