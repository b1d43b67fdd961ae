import { z } from 'zod';
import { encodeCursor, isoDate, isoInstant, uuid, type Page } from '@liyuan/kit';
import type { Activity, Member, PointsEntry } from './model';

/**
 * How each listing served a page at a time is ordered: the schemas of its cursor's values (the
 * sort key and the id of the last item) and the cursor of an item. `nestedPages` and `readPage`
 * check a cursor against `parts` before any statement runs.
 */
export interface Keyset<T, K extends readonly (string | number)[]> {
  parts: { readonly [I in keyof K]: z.ZodType<K[I]> };
  cursor: (item: T) => string;
}

/** Activities by start (to the millisecond) and id: soonest first, or latest first. */
export const ACTIVITY_KEYSET: Keyset<Activity, readonly [string, string]> = {
  parts: [isoInstant, uuid],
  cursor: (a) => encodeCursor([a.startsAt.toISOString(), a.id]),
};

/** A roster by join date and id, earliest joined first. */
export const MEMBER_KEYSET: Keyset<Member, readonly [string, string]> = {
  parts: [isoDate, uuid],
  cursor: (m) => encodeCursor([m.joinedOn, m.id]),
};

/** A points ledger by entry id (the ledger's serial number), newest first. */
export const LEDGER_KEYSET: Keyset<PointsEntry, readonly [string]> = {
  parts: [z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be a ledger entry id')],
  cursor: (e) => encodeCursor([e.id]),
};

/** A listing nested under many parents, as the batched reads of a request serve it. */
export interface NestedListing<T> {
  load(parentId: string, args: { first?: number | null; after?: string | null }): Promise<Page<T>>;
}
