import { z } from 'zod';
import {
  decodeKeyset,
  encodeCursor,
  keyset,
  nestedPages,
  readPage,
  type ParentRow,
} from './pagination';
import { isoInstant, uuid } from './validation';

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
  const pages = nestedPages(
    keyset([z.number(), z.string()], (r: Row) => [r.at, r.id]),
    {
      read: async (parentIds, range) => {
        reads.push({ parentIds, limit: range.limit, after: range.after });
        const out: ParentRow<Row>[] = [];
        for (const p of parentIds) {
          const mine = rows
            .filter((r) => r.parentId === p)
            .filter((r) => !range.after || r.row.at > range.after[0]);
          out.push(...mine.slice(0, range.limit));
        }
        return out;
      },
      count: async (parentIds) => {
        countCalls.push(parentIds);
        const n = new Map<string, number>();
        for (const r of rows)
          if (parentIds.includes(r.parentId)) n.set(r.parentId, (n.get(r.parentId) ?? 0) + 1);
        return n;
      },
    },
  );
  return { pages, reads, countCalls };
}

describe('keyset', () => {
  interface Booking {
    id: string;
    startsAt: Date;
  }
  const booking = keyset([isoInstant, uuid], (b: Booking) => [b.startsAt.toISOString(), b.id]);
  const b: Booking = {
    id: '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5',
    startsAt: new Date('2025-03-01T08:30:00.123Z'),
  };

  it("makes a cursor of an item's values, encoded as encodeCursor encodes them", () => {
    expect(booking.cursor(b)).toBe(encodeCursor(['2025-03-01T08:30:00.123Z', b.id]));
  });

  it('takes one value for each part, of the type the part checks', () => {
    // @ts-expect-error a number where the part is a string
    keyset([z.string()], (r: Row) => [r.at]);
    // @ts-expect-error one value short
    keyset([z.number(), z.string()], (r: Row) => [r.at]);
    expect(keyset([z.number(), z.string()], (r: Row) => [r.at, r.id]).parts).toHaveLength(2);
  });

  it('checks a cursor coming back against its parts', () => {
    expect(decodeKeyset(booking.cursor(b), booking.parts)).toEqual([
      '2025-03-01T08:30:00.123Z',
      b.id,
    ]);
    for (const forged of [encodeCursor(['yesterday', b.id]), encodeCursor([b.id]), 'nope'])
      expect(() => decodeKeyset(forged, booking.parts)).toThrow(
        expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }),
      );
  });

  it('serves readPage: the page continues after the cursor it handed out', async () => {
    const rows: Booking[] = [0, 1, 2].map((i) => ({
      id: `00000000-0000-4000-8000-00000000000${i}`,
      startsAt: new Date(Date.UTC(2025, 2, 1 + i)),
    }));
    const read = (after?: readonly [string, string]) =>
      rows.filter((r) => !after || r.startsAt.toISOString() > after[0]);
    const first = await readPage({ first: 2 }, booking, {
      read: async (range) => read(range.after).slice(0, range.limit),
      count: async () => rows.length,
    });
    expect(first.items).toEqual(rows.slice(0, 2));
    expect(first.hasNextPage).toBe(true);
    const next = await readPage({ first: 2, after: first.cursor(rows[1]!) }, booking, {
      read: async (range) => read(range.after).slice(0, range.limit),
      count: async () => rows.length,
    });
    expect(next.items).toEqual(rows.slice(2));
    expect(next.hasNextPage).toBe(false);
  });
});

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
    const pages = nestedPages(
      keyset([z.string()], (r: Row) => [r.id]),
      {
        read: async () => {
          throw new Error('read failed');
        },
        count: async () => new Map(),
      },
    );
    const asks = ['a', 'b'].map((p) => pages.load(p, {}));
    for (const ask of asks) await expect(ask).rejects.toThrow('read failed');
  });
});
