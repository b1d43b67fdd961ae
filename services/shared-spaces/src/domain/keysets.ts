import { z } from 'zod';
import { isoDate, isoInstant, keyset, uuid } from '@liyuan/kit';
import type { Activity, Member, PointsEntry } from './model';

/**
 * How each listing is keyed: the cursor of an item (its sort key, instants to the millisecond, and
 * its id) and the schemas that check a cursor's values when it comes back as `after`, before any
 * statement runs.
 */
export const KEYSETS = {
  /** Activities by start and id: soonest first, or latest first. */
  activity: keyset([isoInstant, uuid], (a: Activity) => [a.startsAt.toISOString(), a.id]),
  /** A roster by join date and id, earliest joined first. */
  member: keyset([isoDate, uuid], (m: Member) => [m.joinedOn, m.id]),
  /** A points ledger by entry id (the ledger's serial number), newest first. */
  ledger: keyset(
    [z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be a ledger entry id')],
    (e: PointsEntry) => [e.id],
  ),
};
