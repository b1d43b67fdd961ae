import type { KeysetRange, KnownResidentStatus, ParentRow, Publish } from '@liyuan/kit';
import type {
  Book,
  Booking,
  BookingStatus,
  Equipment,
  Facility,
  Inspection,
  Loan,
  RepairOrder,
} from './model';

/** Reads and writes of the facilities database over one connection or transaction. */
export interface FacilitiesStore {
  facilitiesByIds(ids: readonly string[]): Promise<Facility[]>;
  allFacilities(kind?: string): Promise<Facility[]>;
  insertFacility(f: Facility): Promise<void>;
  /** The facility, its row locked until the transaction ends (status changes in order). */
  lockFacility(id: string): Promise<Facility | undefined>;
  setFacilityStatus(id: string, status: Facility['status']): Promise<void>;

  /** The registry status of each resident the residents' events announced (others are absent). */
  knownResidents(ids: readonly string[]): Promise<Map<string, KnownResidentStatus>>;
  /** A volunteer team the volunteers' events announced, with its lead's user id. */
  knownTeam(teamId: string): Promise<{ leadUserId: string } | undefined>;
  recordTeam(teamId: string, leadUserId: string): Promise<void>;

  /** Inserts a booking; a confirmed one overlapping another held booking raises the exclusion violation. */
  insertBooking(b: Booking): Promise<void>;
  bookingsByIds(ids: readonly string[]): Promise<Booking[]>;
  lockBooking(id: string): Promise<Booking | undefined>;
  setBookingStatus(id: string, status: BookingStatus, reason: string | null): Promise<void>;
  bookingOfActivity(activityId: string): Promise<Booking | undefined>;
  /** Confirmed or checked-in bookings of a facility overlapping [from, to). */
  heldBookings(facilityId: string, from: Date, to: Date): Promise<Booking[]>;
  /** A page of a facility's bookings overlapping [from, to), by (start to the millisecond, id). */
  bookingsOverlapping(
    facilityId: string,
    from: Date,
    to: Date,
    range: KeysetRange,
  ): Promise<Booking[]>;
  countBookingsOverlapping(facilityId: string, from: Date, to: Date): Promise<number>;
  /**
   * A page of each resident's bookings, newest first (start to the millisecond, id, both
   * descending), in one statement for every resident.
   */
  bookingsOfResidents(
    residentIds: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<Booking>[]>;
  countBookingsOfResidents(residentIds: readonly string[]): Promise<Map<string, number>>;
  /** Cancels the resident's confirmed bookings starting after `after`; returns them. */
  cancelFutureBookingsOf(residentId: string, after: Date, reason: string): Promise<Booking[]>;

  equipmentByIds(ids: readonly string[]): Promise<Equipment[]>;
  equipmentOfFacilities(facilityIds: readonly string[]): Promise<Equipment[]>;
  lockEquipment(id: string): Promise<Equipment | undefined>;
  insertEquipment(e: Equipment): Promise<void>;
  setEquipmentStatus(id: string, status: Equipment['status']): Promise<void>;
  insertInspection(i: Inspection): Promise<void>;
  /** A page of each device's inspections, newest first, in one statement for every device. */
  inspectionsOf(
    equipmentIds: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<Inspection>[]>;
  countInspectionsOf(equipmentIds: readonly string[]): Promise<Map<string, number>>;
  /** Inserts unless a repair order for the same service request exists; returns whether it inserted. */
  insertRepairOrder(o: RepairOrder): Promise<boolean>;
  repairOrdersByIds(ids: readonly string[]): Promise<RepairOrder[]>;
  /** A page of each device's repair orders, newest first, in one statement for every device. */
  repairOrdersOf(
    equipmentIds: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<RepairOrder>[]>;
  countRepairOrdersOf(equipmentIds: readonly string[]): Promise<Map<string, number>>;
  lockRepairOrder(id: string): Promise<RepairOrder | undefined>;
  completeRepairOrder(id: string, resolution: string): Promise<void>;
  /** The open repair orders of a device. */
  openRepairOrdersOf(equipmentId: string): Promise<RepairOrder[]>;
  /** A page of open repair orders, oldest first (opened_at to the millisecond, id), after the cursor's. */
  openRepairOrders(range: KeysetRange): Promise<RepairOrder[]>;
  countOpenRepairOrders(): Promise<number>;

  booksByIds(ids: readonly string[]): Promise<Book[]>;
  /** A page of titles by (title, id), optionally matching a title or author substring. */
  searchBooks(search: string | undefined, range: KeysetRange): Promise<Book[]>;
  countBooks(search: string | undefined): Promise<number>;
  lockBook(id: string): Promise<Book | undefined>;
  insertBook(b: Book): Promise<void>;
  /** Copies of each book currently on loan. */
  copiesOnLoan(bookIds: readonly string[]): Promise<Map<string, number>>;
  insertLoan(l: Loan): Promise<void>;
  lockLoan(id: string): Promise<Loan | undefined>;
  returnLoan(id: string): Promise<void>;
  /** A page of each resident's loans, newest first, in one statement for every resident. */
  loansOfResidents(residentIds: readonly string[], range: KeysetRange): Promise<ParentRow<Loan>[]>;
  countLoansOfResidents(residentIds: readonly string[]): Promise<Map<string, number>>;
  /** A page of loans not returned and due before `today`, by (due date, id). */
  overdueLoans(today: string, range: KeysetRange): Promise<Loan[]>;
  countOverdueLoans(today: string): Promise<number>;
  flagOpenLoansOf(residentId: string): Promise<number>;
}

export interface Tx {
  store: FacilitiesStore;
  publish: Publish;
  /** Runs `work` inside a savepoint: its failure undoes only its own writes. */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
}

export type RunInTransaction = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
