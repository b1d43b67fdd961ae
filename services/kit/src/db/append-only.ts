import type { QueryRunner } from 'typeorm';

/** Makes `table` append-only in a migration: a trigger refuses UPDATE and DELETE, so history is never rewritten. */
export async function makeAppendOnly(q: QueryRunner, table: string): Promise<void> {
  await q.query(`
    CREATE FUNCTION ${table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '${table} is append-only'; END $$`);
  await q.query(`
    CREATE TRIGGER ${table}_no_change BEFORE UPDATE OR DELETE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION ${table}_append_only()`);
}

/** Reverses {@link makeAppendOnly}. */
export async function dropAppendOnly(q: QueryRunner, table: string): Promise<void> {
  await q.query(`DROP TRIGGER ${table}_no_change ON ${table}`);
  await q.query(`DROP FUNCTION ${table}_append_only()`);
}
