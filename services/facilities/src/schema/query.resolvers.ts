import { idArg } from '@liyuan/kit';
import { requireResidentRecords } from '../domain/access';
import type { QueryResolvers } from './generated/resolvers-types';

export const Query: QueryResolvers = {
  facility: (_, a, ctx) => ctx.loaders.facility.load(idArg(a.id, 'id')),
  facilities: (_, a, ctx) => ctx.bookings.listFacilities(a.kind ?? undefined),
  booking: (_, a, ctx) => ctx.bookings.get(ctx.caller, a.id),
  facilityBookings: (_, a, ctx) => ctx.bookings.ofFacility(ctx.caller, a),
  residentBookings: (_, a, ctx) => {
    const residentId = idArg(a.residentId, 'residentId');
    requireResidentRecords(ctx.caller, residentId);
    return ctx.loaders.bookingsOfResident.load(residentId, a);
  },
  openRepairOrders: (_, a, ctx) => ctx.maintenance.openOrders(ctx.caller, a),
  books: (_, a, ctx) => ctx.library.search(a),
  overdueLoans: (_, a, ctx) => ctx.library.overdue(ctx.caller, a),
};
