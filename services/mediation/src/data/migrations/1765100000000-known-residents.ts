import type { MigrationInterface, QueryRunner } from 'typeorm';
import { KNOWN_RESIDENTS_DDL } from '@liyuan/kit';

/**
 * The residents the registry announced, kept from the residents' events: a case may name only
 * these as parties (an id that points to nothing is refused).
 */
export class KnownResidents1765100000000 implements MigrationInterface {
  name = 'KnownResidents1765100000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of KNOWN_RESIDENTS_DDL.up) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of KNOWN_RESIDENTS_DDL.down) await q.query(sql);
  }
}
