import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { DateScalar, DateTimeScalar, idArg, unauthenticated } from '@liyuan/kit';
import { mayReadResidentRecords } from '../domain/access';
import type { Book, Booking, Equipment, Facility, Loan, RepairOrder } from '../domain/model';
import { formatClock } from '../domain/schedule';
import type { FacilitiesContext as Ctx } from './context';

const enums = {
  FacilityKind: {
    SERVICE_HALL: 'service_hall',
    CIVILIZATION_PRACTICE_STATION: 'civilization_practice_station',
    CONFERENCE_ROOM: 'conference_room',
    ACTIVITY_ROOM: 'activity_room',
    LIBRARY: 'library',
    CHESS_AND_CARD_ROOM: 'chess_and_card_room',
    DANCE_ROOM: 'dance_room',
    CENTRAL_SQUARE: 'central_square',
    FITNESS_AREA: 'fitness_area',
  },
  FacilityStatus: { OPEN: 'open', CLOSED: 'closed', MAINTENANCE: 'maintenance' },
  BookerType: { RESIDENT: 'resident', ACTIVITY: 'activity', TEAM: 'team' },
  BookingStatus: {
    REQUESTED: 'requested',
    CONFIRMED: 'confirmed',
    REJECTED: 'rejected',
    CHECKED_IN: 'checked_in',
    NO_SHOW: 'no_show',
    CANCELLED: 'cancelled',
  },
  EquipmentStatus: { IN_SERVICE: 'in_service', OUT_OF_SERVICE: 'out_of_service' },
  RepairOrderStatus: { OPEN: 'open', COMPLETED: 'completed' },
};

type Args<T> = T;

/** Thin resolvers: parse, authorise in the use case, map to the schema. */
export const resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...enums,
  Query: {
    facility: (_: unknown, a: { id: string }, ctx: Ctx) =>
      ctx.loaders.facility.load(idArg(a.id, 'id')),
    facilities: (_: unknown, a: { kind?: string | null }, ctx: Ctx) =>
      ctx.bookings.listFacilities(a.kind ?? undefined),
    booking: (_: unknown, a: { id: string }, ctx: Ctx) => ctx.bookings.get(ctx.caller, a.id),
    facilityBookings: (_: unknown, a: { facilityId: string; from: string; to: string }, ctx: Ctx) =>
      ctx.bookings.ofFacility(ctx.caller, a.facilityId, a.from, a.to),
    openRepairOrders: (_: unknown, __: unknown, ctx: Ctx) => ctx.maintenance.openOrders(ctx.caller),
    books: (_: unknown, a: { search?: string | null }, ctx: Ctx) =>
      ctx.library.search(a.search ?? undefined),
    overdueLoans: (_: unknown, __: unknown, ctx: Ctx) => ctx.library.overdue(ctx.caller),
  },
  Mutation: {
    addFacility: (_: unknown, a: { input: unknown }, ctx: Ctx) =>
      ctx.bookings.addFacility(ctx.caller, a.input),
    setFacilityStatus: (_: unknown, a: { id: string; status: string }, ctx: Ctx) =>
      ctx.bookings.setFacilityStatus(ctx.caller, a.id, a.status),
    bookFacility: (_: unknown, a: { input: unknown }, ctx: Ctx) =>
      ctx.bookings.book(ctx.caller, a.input),
    cancelBooking: (_: unknown, a: { id: string }, ctx: Ctx) =>
      ctx.bookings.cancel(ctx.caller, a.id),
    checkInBooking: (_: unknown, a: { id: string }, ctx: Ctx) =>
      ctx.bookings.checkIn(ctx.caller, a.id),
    markNoShow: (_: unknown, a: { id: string }, ctx: Ctx) =>
      ctx.bookings.markNoShow(ctx.caller, a.id),
    addEquipment: (_: unknown, a: { input: unknown }, ctx: Ctx) =>
      ctx.maintenance.addEquipment(ctx.caller, a.input),
    recordInspection: (
      _: unknown,
      a: Args<{ equipmentId: string; passed: boolean; notes: string }>,
      ctx: Ctx,
    ) => ctx.maintenance.recordInspection(ctx.caller, a.equipmentId, a.passed, a.notes),
    reportEquipmentFault: (_: unknown, a: { equipmentId: string; description: string }, ctx: Ctx) =>
      ctx.maintenance.reportFault(ctx.caller, a.equipmentId, a.description),
    completeRepair: (_: unknown, a: { id: string; resolution: string }, ctx: Ctx) =>
      ctx.maintenance.completeRepair(ctx.caller, a.id, a.resolution),
    addBook: (_: unknown, a: { input: unknown }, ctx: Ctx) =>
      ctx.library.addBook(ctx.caller, a.input),
    lendBook: (
      _: unknown,
      a: { bookId: string; residentId: string; dueOn?: string | null },
      ctx: Ctx,
    ) => ctx.library.lend(ctx.caller, a.bookId, a.residentId, a.dueOn),
    returnBook: (_: unknown, a: { loanId: string }, ctx: Ctx) =>
      ctx.library.return(ctx.caller, a.loanId),
  },
  Facility: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.facility.load(ref.id),
    opensAt: (f: Facility) => formatClock(f.opensAt),
    closesAt: (f: Facility) => formatClock(f.closesAt),
    availability: (f: Facility, a: { from: string; to: string }, ctx: Ctx) =>
      ctx.bookings.availabilityOf(f, a.from, a.to),
    equipment: (f: Facility, _: unknown, ctx: Ctx) => ctx.loaders.equipmentOfFacility.load(f.id),
  },
  Booking: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.bookings.get(ctx.caller, ref.id),
    facility: (b: Booking, _: unknown, ctx: Ctx) => ctx.loaders.facility.load(b.facilityId),
    resident: (b: Booking) => (b.residentId ? { id: b.residentId } : null),
  },
  Equipment: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.equipment.load(ref.id),
    facility: (e: Equipment, _: unknown, ctx: Ctx) => ctx.loaders.facility.load(e.facilityId),
    inspections: (e: Equipment, _: unknown, ctx: Ctx) => ctx.loaders.inspectionsOf.load(e.id),
    repairOrders: (e: Equipment, _: unknown, ctx: Ctx) => ctx.loaders.repairOrdersOf.load(e.id),
  },
  RepairOrder: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.repairOrder.load(ref.id),
    equipment: (o: RepairOrder, _: unknown, ctx: Ctx) =>
      o.equipmentId ? ctx.loaders.equipment.load(o.equipmentId) : null,
    facility: (o: RepairOrder, _: unknown, ctx: Ctx) =>
      o.facilityId ? ctx.loaders.facility.load(o.facilityId) : null,
    source: (o: RepairOrder) => o.source.toUpperCase(),
  },
  Book: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.book.load(ref.id),
    available: async (b: Book, _: unknown, ctx: Ctx) =>
      b.copies - (await ctx.loaders.copiesOnLoan.load(b.id)),
  },
  Loan: {
    book: (l: Loan, _: unknown, ctx: Ctx) => ctx.loaders.book.load(l.bookId),
    resident: (l: Loan) => ({ id: l.residentId }),
  },
  /** Facilities' view of a resident: their bookings and loans, for themselves and for managers. */
  Resident: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => {
      if (ctx.caller.userId === null) throw unauthenticated();
      return { id: ref.id };
    },
    bookings: (r: { id: string }, _: unknown, ctx: Ctx) =>
      mayReadResidentRecords(ctx.caller, r.id) ? ctx.loaders.bookingsOfResident.load(r.id) : null,
    loans: (r: { id: string }, _: unknown, ctx: Ctx) =>
      mayReadResidentRecords(ctx.caller, r.id) ? ctx.loaders.loansOfResident.load(r.id) : null,
  },
} as unknown as GraphQLResolverMap<Ctx>;
