import type { MigrationInterface, QueryRunner } from 'typeorm';
import { KNOWN_RESIDENTS_DDL } from '@liyuan/kit';

/**
 * What facilities knows of other services, kept from their events: the residents the registry
 * announced (a booking or a loan for an id that points to nothing is refused) and the volunteer
 * teams with their leads (only a team's lead, or facility staff, books for it).
 */
export class KnownReferences1765100000000 implements MigrationInterface {
  name = 'KnownReferences1765100000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of KNOWN_RESIDENTS_DDL.up) await q.query(sql);
    await q.query(`
      CREATE TABLE known_teams (
        team_id      uuid PRIMARY KEY,
        lead_user_id text NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE known_teams`);
    for (const sql of KNOWN_RESIDENTS_DDL.down) await q.query(sql);
  }
}
