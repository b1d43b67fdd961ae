import type { KeysetRange, ParentRow } from '../pagination';
import type { EntityManager } from 'typeorm';
import { Params, queryRows, type Row } from './rows';

/**
 * A listing served a page at a time under many parents (`Resident.bookings` under a page of
 * residents), as the data layer reads it for {@link import('../pagination').nestedPages}.
 */
export interface NestedListing {
  /** The selected columns of a row, e.g. `*` or `sh.*`. */
  columns: string;
  /** The table, or the tables joined, e.g. `signups s JOIN shifts sh ON sh.id = s.shift_id`. */
  from: string;
  /** The column naming a row's parent (a uuid). */
  parent: string;
  /**
   * The sort key. A timestamp is compared to the millisecond, as cursors carry it, so rows within
   * one millisecond are ordered by id and none is skipped between pages.
   */
  key: string;
  keyType: 'timestamptz' | 'date' | 'text' | 'bigint';
  /**
   * The row's id column (a uuid), the tie-breaker: `id` unless the listing joins tables; `null`
   * when the key is unique on its own (then a cursor holds the key alone).
   */
  id?: string | null;
  /** Oldest (or A–Z) first, or newest first. */
  order: 'asc' | 'desc';
}

/** Conditions every row of the listing meets, their parameters added to `params`. */
export type Conditions = (params: Params) => string[];

const keyOf = (l: NestedListing) =>
  l.keyType === 'timestamptz' ? `date_trunc('milliseconds', ${l.key})` : l.key;

/**
 * The first `range.limit` rows of each parent after the cursor's position, in one statement: every
 * parent's rows numbered by a window function (`row_number() OVER (PARTITION BY parent ...)`).
 * Rows come with `parent_id`, grouped by parent in page order.
 */
export function nestedPageSql(
  l: NestedListing,
  parentIds: readonly string[],
  range: KeysetRange<readonly (string | number)[]>,
  where: Conditions = () => [],
): { sql: string; params: unknown[] } {
  const params = new Params();
  const key = keyOf(l);
  const id = l.id === undefined ? 'id' : l.id;
  const dir = l.order === 'asc' ? 'ASC' : 'DESC';
  const cond = [`${l.parent} = ANY (${params.add(parentIds)}::uuid[])`, ...where(params)];
  if (range.after) {
    const at = `${params.add(range.after[0])}::${l.keyType}`;
    const op = l.order === 'asc' ? '>' : '<';
    cond.push(
      id === null
        ? `${key} ${op} ${at}`
        : `(${key}, ${id}) ${op} (${at}, ${params.add(range.after[1])}::uuid)`,
    );
  }
  return {
    sql: `SELECT * FROM (
            SELECT ${l.columns}, ${l.parent}::text AS parent_id,
                   row_number() OVER (PARTITION BY ${l.parent} ORDER BY ${key} ${dir}${id === null ? '' : `, ${id} ${dir}`}) AS rn
              FROM ${l.from} WHERE ${cond.join(' AND ')}
          ) page WHERE rn <= ${params.add(range.limit)} ORDER BY parent_id, rn`,
    params: params.values,
  };
}

/** How many rows of the listing each parent has, in one statement. */
export function nestedCountSql(
  l: NestedListing,
  parentIds: readonly string[],
  where: Conditions = () => [],
): { sql: string; params: unknown[] } {
  const params = new Params();
  const cond = [`${l.parent} = ANY (${params.add(parentIds)}::uuid[])`, ...where(params)];
  return {
    sql: `SELECT ${l.parent}::text AS parent_id, count(*)::int AS n FROM ${l.from}
           WHERE ${cond.join(' AND ')} GROUP BY ${l.parent}`,
    params: params.values,
  };
}

/**
 * Reads a page of each parent's rows of a nested listing in one statement ({@link nestedPageSql}),
 * each row mapped by `to` and paired with its parent; no statement without parents.
 */
export async function queryNestedPage<T>(
  manager: EntityManager,
  l: NestedListing,
  parentIds: readonly string[],
  range: KeysetRange<readonly (string | number)[]>,
  to: (r: Row) => T,
  where?: Conditions,
): Promise<ParentRow<T>[]> {
  if (!parentIds.length) return [];
  const { sql, params } = nestedPageSql(l, parentIds, range, where);
  return (await queryRows(manager, sql, params)).map((r) => ({
    parentId: String(r.parent_id),
    row: to(r),
  }));
}

/**
 * Counts each parent's rows of a nested listing in one statement ({@link nestedCountSql}); parents
 * with none are left out. No statement without parents.
 */
export async function queryNestedCounts(
  manager: EntityManager,
  l: NestedListing,
  parentIds: readonly string[],
  where?: Conditions,
): Promise<Map<string, number>> {
  if (!parentIds.length) return new Map();
  const { sql, params } = nestedCountSql(l, parentIds, where);
  return new Map(
    (await queryRows(manager, sql, params)).map((r) => [String(r.parent_id), Number(r.n)]),
  );
}
