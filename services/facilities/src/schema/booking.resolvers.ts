import type { Booking as BookingModel } from '../domain/model';
import type { FacilitiesContext as Ctx } from './context';

export const Booking = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.bookings.get(ctx.caller, ref.id),
  facility: (b: BookingModel, _: unknown, ctx: Ctx) => ctx.loaders.facility.load(b.facilityId),
  resident: (b: BookingModel) => (b.residentId ? { id: b.residentId } : null),
};
