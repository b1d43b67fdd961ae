import type { MutationResolvers } from './generated/resolvers-types';

export const Mutation: MutationResolvers = {
  addFacility: (_, a, ctx) => ctx.bookings.addFacility(ctx.caller, a.input),
  setFacilityStatus: (_, a, ctx) => ctx.bookings.setFacilityStatus(ctx.caller, a.id, a.status),
  bookFacility: (_, a, ctx) => ctx.bookings.book(ctx.caller, a.input),
  cancelBooking: (_, a, ctx) => ctx.bookings.cancel(ctx.caller, a.id),
  checkInBooking: (_, a, ctx) => ctx.bookings.checkIn(ctx.caller, a.id),
  markNoShow: (_, a, ctx) => ctx.bookings.markNoShow(ctx.caller, a.id),
  addEquipment: (_, a, ctx) => ctx.maintenance.addEquipment(ctx.caller, a.input),
  recordInspection: (_, a, ctx) =>
    ctx.maintenance.recordInspection(ctx.caller, a.equipmentId, a.passed, a.notes),
  reportEquipmentFault: (_, a, ctx) =>
    ctx.maintenance.reportFault(ctx.caller, a.equipmentId, a.description),
  completeRepair: (_, a, ctx) => ctx.maintenance.completeRepair(ctx.caller, a.id, a.resolution),
  addBook: (_, a, ctx) => ctx.library.addBook(ctx.caller, a.input),
  lendBook: (_, a, ctx) => ctx.library.lend(ctx.caller, a.bookId, a.residentId, a.dueOn),
  returnBook: (_, a, ctx) => ctx.library.return(ctx.caller, a.loanId),
};
