import { idArg } from '@liyuan/kit';
import type { FacilitiesContext as Ctx } from './context';

export const Query = {
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
};
