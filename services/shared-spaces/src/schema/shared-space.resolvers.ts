import type { SharedSpaceResolvers } from './generated/resolvers-types';

export const SharedSpace: SharedSpaceResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.space.load(ref.id),
  facility: (s) => ({ id: s.facilityId }),
  activities: (s, a, ctx) => ctx.loaders.activitiesOfSpace.load(s.id, a),
};
