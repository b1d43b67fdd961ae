import { formatClock } from '../domain/schedule';
import type { FacilityResolvers } from './generated/resolvers-types';

export const Facility: FacilityResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.facility.load(ref.id),
  opensAt: (f) => formatClock(f.opensAt),
  closesAt: (f) => formatClock(f.closesAt),
  availability: (f, a, ctx) => ctx.bookings.availabilityOf(f, a.from, a.to),
  equipment: (f, _, ctx) => ctx.loaders.equipmentOfFacility.load(f.id),
};
