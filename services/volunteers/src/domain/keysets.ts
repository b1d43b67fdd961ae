import { z } from 'zod';
import { isoInstant, keyset, uuid } from '@liyuan/kit';
import type { LeaderboardEntry, Opportunity, ServiceRecord, Shift } from './model';

/**
 * How each listing is keyed: the cursor of an item (its sort key, instants to the millisecond, and
 * its id) and the schemas that check a cursor's values when it comes back as `after`, before any
 * statement runs.
 */
export const KEYSETS = {
  /** Opportunities by start and id, soonest first. */
  opportunity: keyset([isoInstant, uuid], (o: Opportunity) => [o.startsAt.toISOString(), o.id]),
  /** Shifts by start and id, soonest first. */
  shift: keyset([isoInstant, uuid], (s: Shift) => [s.startsAt.toISOString(), s.id]),
  /** Service records by the time served and id, newest first. */
  serviceRecord: keyset([isoInstant, uuid], (r: ServiceRecord) => [r.servedOn.toISOString(), r.id]),
  /** Residents by hours served and resident id, most first. */
  leaderboard: keyset([z.number(), uuid], (e: LeaderboardEntry) => [e.hours, e.residentId]),
};
