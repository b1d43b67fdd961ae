import type { Facility as FacilityModel } from '../domain/model';
import { formatClock } from '../domain/schedule';
import type { FacilitiesContext as Ctx } from './context';

export const Facility = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.facility.load(ref.id),
  opensAt: (f: FacilityModel) => formatClock(f.opensAt),
  closesAt: (f: FacilityModel) => formatClock(f.closesAt),
  availability: (f: FacilityModel, a: { from: string; to: string }, ctx: Ctx) =>
    ctx.bookings.availabilityOf(f, a.from, a.to),
  equipment: (f: FacilityModel, _: unknown, ctx: Ctx) => ctx.loaders.equipmentOfFacility.load(f.id),
};
