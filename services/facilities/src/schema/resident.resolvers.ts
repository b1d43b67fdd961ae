import { unauthenticated } from '@liyuan/kit';
import { mayReadResidentRecords } from '../domain/access';
import type { FacilitiesContext as Ctx } from './context';

/** Facilities' view of a resident: their bookings and loans, for themselves and for managers. */
export const Resident = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return { id: ref.id };
  },
  bookings: (r: { id: string }, _: unknown, ctx: Ctx) =>
    mayReadResidentRecords(ctx.caller, r.id) ? ctx.loaders.bookingsOfResident.load(r.id) : null,
  loans: (r: { id: string }, _: unknown, ctx: Ctx) =>
    mayReadResidentRecords(ctx.caller, r.id) ? ctx.loaders.loansOfResident.load(r.id) : null,
};
