import type { z } from 'zod';
import { encodeCursor, isoInstant, uuid } from '@liyuan/kit';
import type { Opportunity, ServiceRecord, Shift } from './model';

/**
 * How each listing served a page at a time is ordered: the schemas of its cursor's values (the
 * sort key and the id of the last item) and the cursor of an item. `nestedPages` and `readPage`
 * check a cursor against `parts` before any statement runs.
 */
export interface Keyset<T, K extends readonly (string | number)[]> {
  parts: { readonly [I in keyof K]: z.ZodType<K[I]> };
  cursor: (item: T) => string;
}

/** Opportunities by start (to the millisecond) and id, soonest first. */
export const OPPORTUNITY_KEYSET: Keyset<Opportunity, readonly [string, string]> = {
  parts: [isoInstant, uuid],
  cursor: (o) => encodeCursor([o.startsAt.toISOString(), o.id]),
};

/** Shifts by start (to the millisecond) and id, soonest first. */
export const SHIFT_KEYSET: Keyset<Shift, readonly [string, string]> = {
  parts: [isoInstant, uuid],
  cursor: (s) => encodeCursor([s.startsAt.toISOString(), s.id]),
};

/** Service records by the time served (to the millisecond) and id, newest first. */
export const SERVICE_RECORD_KEYSET: Keyset<ServiceRecord, readonly [string, string]> = {
  parts: [isoInstant, uuid],
  cursor: (r) => encodeCursor([r.servedOn.toISOString(), r.id]),
};
