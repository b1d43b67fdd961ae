import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lists read a page at a time under many parents at once (a branch's roster, a space's or a
 * facility's activities) number each parent's rows in the list's order: an index per parent and
 * order keeps that to the rows of the parents asked for.
 */
export class ListingIndexes1765200000000 implements MigrationInterface {
  name = 'ListingIndexes1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX party_members_branch ON party_members (branch_id, joined_on, id)`);
    await q.query(`CREATE INDEX activities_space ON activities (space_id, starts_at, id)`);
    await q.query(`CREATE INDEX activities_facility ON activities (facility_id, starts_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['activities_facility', 'activities_space', 'party_members_branch'])
      await q.query(`DROP INDEX ${index}`);
  }
}
