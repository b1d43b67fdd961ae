import type { MigrationInterface, QueryRunner } from 'typeorm';
import { KNOWN_FACILITIES_DDL } from '@liyuan/kit';

/** The facilities the facilities service announced: an opportunity may be located only in one. */
export class KnownFacilities1765100000000 implements MigrationInterface {
  name = 'KnownFacilities1765100000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of KNOWN_FACILITIES_DDL.up) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of KNOWN_FACILITIES_DDL.down) await q.query(sql);
  }
}
