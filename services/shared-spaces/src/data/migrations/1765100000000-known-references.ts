import type { MigrationInterface, QueryRunner } from 'typeorm';
import { KNOWN_FACILITIES_DDL, KNOWN_RESIDENTS_DDL } from '@liyuan/kit';

/**
 * What shared-spaces knows of other services, kept from their events: the residents the registry
 * announced (a party member is one of them) and the facilities facilities announced (a shared
 * space is hosted in one).
 */
export class KnownReferences1765100000000 implements MigrationInterface {
  name = 'KnownReferences1765100000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of [...KNOWN_RESIDENTS_DDL.up, ...KNOWN_FACILITIES_DDL.up]) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of [...KNOWN_FACILITIES_DDL.down, ...KNOWN_RESIDENTS_DDL.down])
      await q.query(sql);
  }
}
