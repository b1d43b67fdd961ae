import { z } from 'zod';
import { encodeCursor, nestedPages, type ParentRow } from './pagination';

interface Row {
  id: string;
  at: number;
}

/** Rows of three parents, and a reader that records each batch it is asked for. */
function fixture() {
  const rows: ParentRow<Row>[] = [];
  for (const [parentId, n] of [
    ['a', 5],
    ['b', 2],
    ['c', 0],
  ] as const)
    for (let i = 0; i < n; i++) rows.push({ parentId, row: { id: `${parentId}${i}`, at: i } });
  const reads: { parentIds: readonly string[]; limit: number; after?: readonly unknown[] }[] = [];
  const countCalls: (readonly string[])[] = [];
  const pages = nestedPages([z.number(), z.string()], {
    read: async (parentIds, range) => {
      reads.push({ parentIds, limit: range.limit, after: range.after });
      const out: ParentRow<Row>[] = [];
      for (const p of parentIds) {
        const mine = rows
          .filter((r) => r.parentId === p)
          .filter((r) => !range.after || r.row.at > (range.after[0] as number));
        out.push(...mine.slice(0, range.limit));
      }
      return out;
    },
    cursor: (r) => encodeCursor([r.at, r.id]),
    count: async (parentIds) => {
      countCalls.push(parentIds);
      const n = new Map<string, number>();
      for (const r of rows)
        if (parentIds.includes(r.parentId)) n.set(r.parentId, (n.get(r.parentId) ?? 0) + 1);
      return n;
    },
  });
  return { pages, reads, countCalls };
}

describe('nestedPages', () => {
  it('reads the first page of every parent in one batch and counts them in one more', async () => {
    const { pages, reads, countCalls } = fixture();
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((p) => pages.load(p, { first: 3 })));
    expect(reads).toEqual([{ parentIds: ['a', 'b', 'c'], limit: 4, after: undefined }]);
    expect(a!.items.map((r) => r.id)).toEqual(['a0', 'a1', 'a2']);
    expect(a!.hasNextPage).toBe(true);
    expect(b!.items.map((r) => r.id)).toEqual(['b0', 'b1']);
    expect(b!.hasNextPage).toBe(false);
    expect(c!.items).toEqual([]);
    expect(await Promise.all([a!.totalCount(), b!.totalCount(), c!.totalCount()])).toEqual([
      5, 2, 0,
    ]);
    expect(countCalls).toEqual([['a', 'b', 'c']]);
  });

  it('groups asks by their page arguments and continues after a cursor', async () => {
    const { pages, reads } = fixture();
    const first = await pages.load('a', { first: 2 });
    const cursor = first.cursor(first.items[1]!);
    const [next, other] = await Promise.all([
      pages.load('a', { first: 2, after: cursor }),
      pages.load('b', { first: 1 }),
    ]);
    expect(next.items.map((r) => r.id)).toEqual(['a2', 'a3']);
    expect(other.items.map((r) => r.id)).toEqual(['b0']);
    expect(reads.slice(1)).toEqual(
      expect.arrayContaining([
        { parentIds: ['a'], limit: 3, after: [1, 'a1'] },
        { parentIds: ['b'], limit: 2, after: undefined },
      ]),
    );
    expect(reads).toHaveLength(3);
  });

  it('refuses page sizes and cursors out of bounds, naming the argument', async () => {
    const { pages, reads } = fixture();
    await expect(pages.load('a', { first: 0 })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    await expect(pages.load('a', { first: 101 })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    await expect(pages.load('a', { after: 'nope' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
    expect(reads).toEqual([]);
  });

  it('fails every ask of a batch whose read fails', async () => {
    const pages = nestedPages([z.string()], {
      read: async () => {
        throw new Error('read failed');
      },
      cursor: () => '',
      count: async () => new Map(),
    });
    const asks = ['a', 'b'].map((p) => pages.load(p, {}));
    for (const ask of asks) await expect(ask).rejects.toThrow('read failed');
  });
});
