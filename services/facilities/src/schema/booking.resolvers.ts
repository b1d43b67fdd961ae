import { loadExisting } from '@liyuan/kit';
import type { BookingResolvers } from './generated/resolvers-types';

export const Booking: BookingResolvers = {
  __resolveReference: (ref, ctx) => ctx.bookings.get(ctx.caller, ref.id),
  facility: (b, _, ctx) => loadExisting(ctx.loaders.facility, b.facilityId, 'facility'),
  resident: (b) => (b.residentId ? { id: b.residentId } : null),
};
