import type { FacilityResolvers } from './generated/resolvers-types';

/** Shared-spaces' view of a facility: the spaces in it and their activities to come. */
export const Facility: FacilityResolvers = {
  __resolveReference: (ref) => ({ id: ref.id }),
  sharedSpaces: (f, _, ctx) => ctx.loaders.spacesOfFacility.load(f.id),
  upcomingActivities: (f, a, ctx) => ctx.loaders.upcomingAtFacility.load(f.id, a),
};
