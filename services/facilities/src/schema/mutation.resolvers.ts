import type { FacilitiesContext as Ctx } from './context';

export const Mutation = {
  addFacility: (_: unknown, a: { input: unknown }, ctx: Ctx) =>
    ctx.bookings.addFacility(ctx.caller, a.input),
  setFacilityStatus: (_: unknown, a: { id: string; status: string }, ctx: Ctx) =>
    ctx.bookings.setFacilityStatus(ctx.caller, a.id, a.status),
  bookFacility: (_: unknown, a: { input: unknown }, ctx: Ctx) =>
    ctx.bookings.book(ctx.caller, a.input),
  cancelBooking: (_: unknown, a: { id: string }, ctx: Ctx) => ctx.bookings.cancel(ctx.caller, a.id),
  checkInBooking: (_: unknown, a: { id: string }, ctx: Ctx) =>
    ctx.bookings.checkIn(ctx.caller, a.id),
  markNoShow: (_: unknown, a: { id: string }, ctx: Ctx) =>
    ctx.bookings.markNoShow(ctx.caller, a.id),
  addEquipment: (_: unknown, a: { input: unknown }, ctx: Ctx) =>
    ctx.maintenance.addEquipment(ctx.caller, a.input),
  recordInspection: (
    _: unknown,
    a: { equipmentId: string; passed: boolean; notes: string },
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
};
