import { Params, type KeysetRange, type ParentRow, type Row } from '@liyuan/kit';

/** A listing nested under many parents: which rows, keyed how, belonging to which parent. */
export interface Nested {
  /** The selected columns of `table` (its `id` among them). */
  columns: string;
  table: string;
  /** The column naming the parent (a uuid). */
  parent: string;
  /** The sort key, a timestamp: newest first, to the millisecond (as cursors carry it), then id. */
  key: string;
}

/** A condition on the rows of a nested listing, its parameters added to `params`. */
export type Condition = (params: Params) => string;

/**
 * The first `range.limit` rows of each parent after the cursor's position, newest first: one
 * statement for every parent, its rows numbered per parent by a window function. Rows come with
 * `parent_id`, grouped by parent in page order.
 */
export function nestedPageSql(
  n: Nested,
  parentIds: readonly string[],
  range: KeysetRange,
  where?: Condition,
): { sql: string; params: unknown[] } {
  const params = new Params();
  const key = `date_trunc('milliseconds', ${n.key})`;
  const cond = [`${n.parent} = ANY (${params.add(parentIds)}::uuid[])`];
  if (where) cond.push(where(params));
  if (range.after)
    cond.push(
      `(${key}, id) < (${params.add(range.after[0])}::timestamptz, ${params.add(range.after[1])}::uuid)`,
    );
  return {
    sql: `SELECT * FROM (
            SELECT ${n.columns}, ${n.parent}::text AS parent_id,
                   row_number() OVER (PARTITION BY ${n.parent} ORDER BY ${key} DESC, id DESC) AS rn
              FROM ${n.table} WHERE ${cond.join(' AND ')}
          ) ranked WHERE rn <= ${params.add(range.limit)} ORDER BY parent_id, rn`,
    params: params.values,
  };
}

/** How many rows of a nested listing each parent has, in one statement (parents with none left out). */
export function countPerParentSql(
  n: Nested,
  parentIds: readonly string[],
  where?: Condition,
): { sql: string; params: unknown[] } {
  const params = new Params();
  const cond = [`${n.parent} = ANY (${params.add(parentIds)}::uuid[])`];
  if (where) cond.push(where(params));
  return {
    sql: `SELECT ${n.parent}::text AS parent_id, count(*)::int AS n FROM ${n.table}
           WHERE ${cond.join(' AND ')} GROUP BY ${n.parent}`,
    params: params.values,
  };
}

/** The rows of a nested page with the parent each belongs to. */
export const parentRows = <T>(rows: Row[], to: (r: Row) => T): ParentRow<T>[] =>
  rows.map((r) => ({ parentId: String(r.parent_id), row: to(r) }));

/** The counts of a {@link countPerParentSql} statement by parent. */
export const countsByParent = (rows: Row[]): Map<string, number> =>
  new Map(rows.map((r) => [String(r.parent_id), Number(r.n)]));
