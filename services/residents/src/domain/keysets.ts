import { z } from 'zod';
import { isoDate, isoInstant, keyset, uuid } from '@liyuan/kit';
import type {
  PersonalDataAccessRecord,
  ResidentInGrid,
  ScheduledVisit,
  ServiceRequest,
  Visit,
  VisitDue,
} from './model';

/**
 * How each listing is keyed: the cursor of a row (its sort key, instants to the millisecond, and
 * its id) and the schemas that check a cursor's values when it comes back as `after`.
 */
export const KEYSETS = {
  /** Residents by name. */
  resident: keyset([z.string(), uuid], (r: ResidentInGrid) => [r.name, r.id]),
  /** Service requests, newest first. */
  serviceRequest: keyset([isoInstant, uuid], (r: ServiceRequest) => [
    r.filedAt.toISOString(),
    r.id,
  ]),
  /** A household's visits, newest first. */
  visit: keyset([isoInstant, uuid], (v: Visit) => [v.visitedAt.toISOString(), v.id]),
  /** Households due a visit, most overdue first. */
  visitDue: keyset([isoInstant, uuid], (d: VisitDue) => [d.dueAt.toISOString(), d.householdId]),
  /** Scheduled visits, soonest first. */
  scheduledVisit: keyset([isoDate, uuid], (s: ScheduledVisit) => [s.dueOn, s.id]),
  /**
   * The personal-data access log, newest first, by its serial id alone: up to 18 digits, which a
   * cursor holds as a string (or, as this listing has always taken it, as a number).
   */
  personalDataAccess: keyset(
    [z.union([z.string(), z.number()]).refine((id) => /^\d{1,18}$/.test(String(id)))],
    (r: PersonalDataAccessRecord) => [r.id],
  ),
};
