import { unauthenticated } from '@liyuan/kit';
import { mayReadResidentRecords } from '../domain/access';
import type { ResidentResolvers } from './generated/resolvers-types';

/** Facilities' view of a resident: their bookings and loans, for themselves and for managers. */
export const Resident: ResidentResolvers = {
  __resolveReference: (ref, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return { id: ref.id };
  },
  bookings: (r, args, ctx) =>
    mayReadResidentRecords(ctx.caller, r.id)
      ? ctx.loaders.bookingsOfResident.load(r.id, args)
      : null,
  loans: (r, args, ctx) =>
    mayReadResidentRecords(ctx.caller, r.id) ? ctx.loaders.loansOfResident.load(r.id, args) : null,
};
