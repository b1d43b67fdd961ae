import { z } from 'zod';
import { encodeCursor, isoDate, isoInstant, uuid } from '@liyuan/kit';
import type { Book, Booking, Inspection, Loan, RepairOrder } from './model';

/**
 * How each listing is keyed: the cursor of a row (its sort key, to the millisecond, and its id)
 * and the schemas that check a cursor's values when it comes back as `after`.
 */
export const KEYSETS = {
  /** Bookings by start: a resident's newest first, a facility's in a period soonest first. */
  booking: {
    parts: [isoInstant, uuid] as const,
    cursor: (b: Booking) => encodeCursor([b.startsAt.toISOString(), b.id]),
  },
  /** A device's inspections, newest first. */
  inspection: {
    parts: [isoInstant, uuid] as const,
    cursor: (i: Inspection) => encodeCursor([i.inspectedAt.toISOString(), i.id]),
  },
  /** Repair orders by when they were opened: open ones oldest first, a device's newest first. */
  repairOrder: {
    parts: [isoInstant, uuid] as const,
    cursor: (o: RepairOrder) => encodeCursor([o.openedAt.toISOString(), o.id]),
  },
  /** Library titles by title. */
  book: {
    parts: [z.string(), uuid] as const,
    cursor: (b: Book) => encodeCursor([b.title, b.id]),
  },
  /** A resident's loans, newest first. */
  loanBorrowed: {
    parts: [isoInstant, uuid] as const,
    cursor: (l: Loan) => encodeCursor([l.borrowedAt.toISOString(), l.id]),
  },
  /** Overdue loans, most overdue first. */
  loanDue: {
    parts: [isoDate, uuid] as const,
    cursor: (l: Loan) => encodeCursor([l.dueOn, l.id]),
  },
};
