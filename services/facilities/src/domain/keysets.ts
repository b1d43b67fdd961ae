import { z } from 'zod';
import { isoDate, isoInstant, keyset, uuid } from '@liyuan/kit';
import type { Book, Booking, Inspection, Loan, RepairOrder } from './model';

/**
 * How each listing is keyed: the cursor of a row (its sort key, to the millisecond, and its id)
 * and the schemas that check a cursor's values when it comes back as `after`.
 */
export const KEYSETS = {
  /** Bookings by start: a resident's newest first, a facility's in a period soonest first. */
  booking: keyset([isoInstant, uuid], (b: Booking) => [b.startsAt.toISOString(), b.id]),
  /** A device's inspections, newest first. */
  inspection: keyset([isoInstant, uuid], (i: Inspection) => [i.inspectedAt.toISOString(), i.id]),
  /** Repair orders by when they were opened: open ones oldest first, a device's newest first. */
  repairOrder: keyset([isoInstant, uuid], (o: RepairOrder) => [o.openedAt.toISOString(), o.id]),
  /** Library titles by title. */
  book: keyset([z.string(), uuid], (b: Book) => [b.title, b.id]),
  /** A resident's loans, newest first. */
  loanBorrowed: keyset([isoInstant, uuid], (l: Loan) => [l.borrowedAt.toISOString(), l.id]),
  /** Overdue loans, most overdue first. */
  loanDue: keyset([isoDate, uuid], (l: Loan) => [l.dueOn, l.id]),
};
