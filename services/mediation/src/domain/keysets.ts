import { isoInstant, keyset, uuid } from '@liyuan/kit';
import type { DisputeCase, OverdueItem } from './model';

/**
 * How each listing is keyed: the cursor of an item (its sort key, to the millisecond, and its id)
 * and the schemas that check a cursor's values when it comes back as `after`, before any statement
 * runs.
 */
export const KEYSETS = {
  /** Cases by filing instant and id, newest first. */
  case: keyset([isoInstant, uuid], (c: DisputeCase) => [c.filedAt.toISOString(), c.id]),
  /** Overdue cases and late follow-ups by the deadline that passed and the item's id, most overdue first. */
  overdue: keyset([isoInstant, uuid], (o: OverdueItem) => [o.since.toISOString(), o.itemId]),
};
