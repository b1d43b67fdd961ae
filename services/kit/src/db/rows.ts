import type { EntityManager } from 'typeorm';

/** A result row as the driver returns it. */
export type Row = Record<string, unknown>;

/**
 * Runs a statement and returns its rows. TypeORM answers UPDATE / DELETE ... RETURNING with
 * `[rows, affected]`; this unwraps it so every statement reads the same.
 */
export async function queryRows(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const result = (await manager.query(sql, params)) as unknown[];
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as Row[];
  return result as Row[];
}

/** Runs a `SELECT count(*)::int AS n ...` statement and returns the count. */
export async function queryCount(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<number> {
  const [row] = await queryRows(manager, sql, params);
  return Number(row?.n ?? 0);
}

/** Collects positional parameters while a statement with optional conditions is put together. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}
