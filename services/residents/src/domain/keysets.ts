import { z } from 'zod';
import { encodeCursor, isoDate, isoInstant, uuid } from '@liyuan/kit';
import type { ResidentInGrid, ScheduledVisit, ServiceRequest, Visit, VisitDue } from './model';

/**
 * How each listing is keyed: the cursor of a row (its sort key, instants to the millisecond, and
 * its id) and the schemas that check a cursor's values when it comes back as `after`.
 */
export const KEYSETS = {
  /** Residents by name. */
  resident: {
    parts: [z.string(), uuid] as const,
    cursor: (r: ResidentInGrid) => encodeCursor([r.name, r.id]),
  },
  /** Service requests, newest first. */
  serviceRequest: {
    parts: [isoInstant, uuid] as const,
    cursor: (r: ServiceRequest) => encodeCursor([r.filedAt.toISOString(), r.id]),
  },
  /** A household's visits, newest first. */
  visit: {
    parts: [isoInstant, uuid] as const,
    cursor: (v: Visit) => encodeCursor([v.visitedAt.toISOString(), v.id]),
  },
  /** Households due a visit, most overdue first. */
  visitDue: {
    parts: [isoInstant, uuid] as const,
    cursor: (d: VisitDue) => encodeCursor([d.dueAt.toISOString(), d.householdId]),
  },
  /** Scheduled visits, soonest first. */
  scheduledVisit: {
    parts: [isoDate, uuid] as const,
    cursor: (s: ScheduledVisit) => encodeCursor([s.dueOn, s.id]),
  },
};
