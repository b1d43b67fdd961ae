import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each party of a case has an id of its own, so a client cache can key it; parties filed before
 * get one here (new ones are given theirs when the case is filed).
 */
export class CasePartyIds1765200000000 implements MigrationInterface {
  name = 'CasePartyIds1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE case_parties ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid()`);
    await q.query(`ALTER TABLE case_parties ADD CONSTRAINT case_parties_id_key UNIQUE (id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE case_parties DROP COLUMN id`);
  }
}
