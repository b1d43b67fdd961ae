import type { MutationResolvers } from './generated/resolvers-types';

/** Thin: the use case validates its input, authorises and writes; the resolver hands it over. */
export const Mutation: MutationResolvers = {
  addFacility: (_, a, ctx) => ctx.bookings.addFacility(ctx.caller, a.input),
  setFacilityStatus: (_, a, ctx) => ctx.bookings.setFacilityStatus(ctx.caller, a.input),
  bookFacility: (_, a, ctx) => ctx.bookings.book(ctx.caller, a.input),
  cancelBooking: (_, a, ctx) => ctx.bookings.cancel(ctx.caller, a.input),
  checkInBooking: (_, a, ctx) => ctx.bookings.checkIn(ctx.caller, a.input),
  markNoShow: (_, a, ctx) => ctx.bookings.markNoShow(ctx.caller, a.input),
  addEquipment: (_, a, ctx) => ctx.maintenance.addEquipment(ctx.caller, a.input),
  recordInspection: (_, a, ctx) => ctx.maintenance.recordInspection(ctx.caller, a.input),
  reportEquipmentFault: (_, a, ctx) => ctx.maintenance.reportFault(ctx.caller, a.input),
  completeRepair: (_, a, ctx) => ctx.maintenance.completeRepair(ctx.caller, a.input),
  addBook: (_, a, ctx) => ctx.library.addBook(ctx.caller, a.input),
  lendBook: (_, a, ctx) => ctx.library.lend(ctx.caller, a.input),
  returnBook: (_, a, ctx) => ctx.library.return(ctx.caller, a.input),
};
