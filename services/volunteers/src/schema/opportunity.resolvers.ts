import type { OpportunityResolvers } from './generated/resolvers-types';

export const Opportunity: OpportunityResolvers = {
  team: (o, _, ctx) => (o.teamId ? ctx.loaders.team.load(o.teamId) : null),
  facility: (o) => (o.facilityId ? { id: o.facilityId } : null),
  shifts: (o, _, ctx) => ctx.loaders.shiftsOf.load(o.id),
};
