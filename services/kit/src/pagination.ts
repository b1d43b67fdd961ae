import type { z } from 'zod';
import { badInput } from './errors';
import { textProblem } from './validation';

/** Encodes a keyset position (the sort key values of the last row) as an opaque cursor. */
export const encodeCursor = (values: readonly (string | number)[]): string =>
  Buffer.from(JSON.stringify(values)).toString('base64url');

/**
 * Decodes a cursor made by {@link encodeCursor} with `arity` values; anything else is a
 * BAD_USER_INPUT naming `field`.
 */
export function decodeCursor(cursor: string, arity: number, field = 'after'): (string | number)[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(values) &&
      values.length === arity &&
      values.every(
        (v) =>
          (typeof v === 'string' && !textProblem(v, { multiline: true })) || typeof v === 'number',
      )
    ) {
      return values as (string | number)[];
    }
  } catch {
    // fall through to the error below
  }
  throw badInput(field, `${field}: not a cursor returned by this field`);
}

/** Validates a page size argument: 1 to `max`, default `fallback`. */
export function pageSize(first: number | null | undefined, fallback = 20, max = 100): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw badInput('first', `first: must be 1 to ${max}`);
  return n;
}

/** The schemas of a keyset cursor's values, in order: the listing's sort key and, usually, the id. */
export type KeysetParts = readonly z.ZodType<string | number>[];

/** The values of a keyset cursor whose parts are `S`, as {@link decodeKeyset} returns them. */
export type KeysetValues<S extends KeysetParts> = { -readonly [K in keyof S]: z.output<S[K]> };

/**
 * How a listing served a page at a time is keyed: the schemas that check an `after` cursor's
 * values before any statement runs, and the cursor of an item (the same values, encoded). Made by
 * {@link keyset}; {@link readPage} and {@link nestedPages} take one.
 */
export interface Keyset<T, S extends KeysetParts = KeysetParts> {
  /** The schemas of the cursor's values, checking each when a cursor comes back as `after`. */
  readonly parts: S;
  /** The cursor of an item: the values of its position in the listing, encoded. */
  readonly cursor: (item: T) => string;
}

/**
 * The keyset of a listing ordered by `parts`, an item's cursor being its `values` encoded by
 * {@link encodeCursor}: `keyset([isoInstant, uuid], (b: Booking) => [b.startsAt.toISOString(), b.id])`
 * is bookings by start, to the millisecond, and id.
 */
export const keyset = <T, const S extends KeysetParts>(
  parts: S,
  values: (item: T) => KeysetValues<S>,
): Keyset<T, S> => ({ parts, cursor: (item) => encodeCursor(values(item)) });

/**
 * Decodes an `after` cursor whose values are a listing's sort key and id, each checked by its
 * schema (e.g. `[isoInstant, uuid]`); undefined without a cursor, BAD_USER_INPUT naming `field`
 * for anything this listing did not hand out.
 */
export function decodeKeyset<const S extends KeysetParts>(
  cursor: string | null | undefined,
  parts: S,
  field = 'after',
): KeysetValues<S> | undefined {
  if (!cursor) return undefined;
  const values = decodeCursor(cursor, parts.length, field);
  if (!values.every((v, i) => parts[i]!.safeParse(v).success))
    throw badInput(field, `${field}: not a cursor returned by this field`);
  return values as KeysetValues<S>;
}

/** One page of a keyset listing, as every `XConnection` type of the schema resolves it. */
export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  /** The cursor of an item: its sort key and id. */
  cursor: (item: T) => string;
  /** How many match in all: one more statement, run only when `totalCount` is selected. */
  totalCount: () => Promise<number>;
}

/** The page of rows read with `LIMIT first + 1`. */
export const pageOf = <T>(
  rows: T[],
  first: number,
  cursor: (item: T) => string,
  totalCount: () => Promise<number>,
): Page<T> => ({
  items: rows.slice(0, first),
  hasNextPage: rows.length > first,
  cursor,
  totalCount,
});

/** The resolvers of a connection type (`edges`, `pageInfo`, `totalCount`) over a {@link Page}. */
export const connectionResolvers = <T>() => ({
  edges: (page: Page<T>) => page.items.map((node) => ({ cursor: page.cursor(node), node })),
  pageInfo: (page: Page<T>) => {
    const last = page.items[page.items.length - 1];
    return { hasNextPage: page.hasNextPage, endCursor: last ? page.cursor(last) : null };
  },
  totalCount: (page: Page<T>) => page.totalCount(),
});

/** Where a keyset read starts (after the decoded cursor, if any) and how many rows it reads. */
export interface KeysetRange<K extends readonly (string | number)[] = readonly [string, string]> {
  after?: K;
  limit: number;
}

/**
 * One page of a keyset listing from its `first` and `after` arguments: checks both (BAD_USER_INPUT
 * naming the argument; `after` against the listing's {@link Keyset}), reads `first + 1` rows after
 * the cursor in one statement and counts only when `totalCount` is asked for.
 */
export async function readPage<T, const S extends KeysetParts>(
  args: { first?: number | null; after?: string | null },
  keys: Keyset<T, S>,
  page: {
    read: (range: KeysetRange<KeysetValues<S>>) => Promise<T[]>;
    count: () => Promise<number>;
  },
): Promise<Page<T>> {
  const first = pageSize(args.first);
  const after = decodeKeyset(args.after, keys.parts);
  return pageOf(await page.read({ after, limit: first + 1 }), first, keys.cursor, page.count);
}

/** One row of a nested listing read for many parents at once: the parent it belongs to and the row. */
export interface ParentRow<T> {
  parentId: string;
  row: T;
}

/** The pages of a connection nested under many parents, as {@link nestedPages} serves them. */
export interface NestedPages<T> {
  /** The page `args` ask for of one parent's rows. */
  load(parentId: string, args: { first?: number | null; after?: string | null }): Promise<Page<T>>;
}

/**
 * The pages of a connection nested under a list of parents (`Resident.bookings` under a page of
 * residents), batched like a DataLoader: parents asking with the same `first` and `after` share one
 * statement, which reads at most `first + 1` rows per parent (a window function partitioned by the
 * parent), and the `totalCount` of every parent asking for it is one more statement. `first` and
 * `after` are checked as {@link readPage} checks them.
 */
export function nestedPages<T, const S extends KeysetParts>(
  keys: Keyset<T, S>,
  page: {
    read: (
      parentIds: readonly string[],
      range: KeysetRange<KeysetValues<S>>,
    ) => Promise<ParentRow<T>[]>;
    /** How many rows each parent has in all (parents with none may be left out). */
    count: (parentIds: readonly string[]) => Promise<Map<string, number>>;
  },
): NestedPages<T> {
  type Range = KeysetRange<KeysetValues<S>>;
  const pending = new Map<
    string,
    {
      range: Range;
      asks: { parentId: string; done: (rows: T[]) => void; fail: (e: unknown) => void }[];
    }
  >();
  const counts = new Map<string, Promise<number>>();
  let countBatch: { parentId: string; done: (n: number) => void; fail: (e: unknown) => void }[] =
    [];

  const flushReads = (key: string) => {
    const batch = pending.get(key)!;
    pending.delete(key);
    const parentIds = [...new Set(batch.asks.map((a) => a.parentId))];
    page.read(parentIds, batch.range).then(
      (rows) => {
        const byParent = new Map<string, T[]>();
        for (const r of rows) {
          const list = byParent.get(r.parentId);
          if (list) list.push(r.row);
          else byParent.set(r.parentId, [r.row]);
        }
        for (const a of batch.asks) a.done(byParent.get(a.parentId) ?? []);
      },
      (e: unknown) => batch.asks.forEach((a) => a.fail(e)),
    );
  };
  const flushCounts = () => {
    const batch = countBatch;
    countBatch = [];
    page.count([...new Set(batch.map((b) => b.parentId))]).then(
      (n) => batch.forEach((b) => b.done(n.get(b.parentId) ?? 0)),
      (e: unknown) => batch.forEach((b) => b.fail(e)),
    );
  };
  const countOf = (parentId: string): Promise<number> => {
    let n = counts.get(parentId);
    if (!n) {
      n = new Promise<number>((done, fail) => {
        if (countBatch.length === 0) process.nextTick(flushCounts);
        countBatch.push({ parentId, done, fail });
      });
      counts.set(parentId, n);
    }
    return n;
  };

  return {
    async load(parentId, args) {
      const first = pageSize(args.first);
      const after = decodeKeyset(args.after, keys.parts);
      const key = JSON.stringify([first, after ?? null]);
      const rows = await new Promise<T[]>((done, fail) => {
        let batch = pending.get(key);
        if (!batch) {
          batch = { range: { after, limit: first + 1 } as Range, asks: [] };
          pending.set(key, batch);
          process.nextTick(() => flushReads(key));
        }
        batch.asks.push({ parentId, done, fail });
      });
      return pageOf(rows, first, keys.cursor, () => countOf(parentId));
    },
  };
}
