import type { VolunteerProfileResolvers } from './generated/resolvers-types';

export const VolunteerProfile: VolunteerProfileResolvers = {
  teams: (v, _, ctx) => ctx.loaders.teamsOf.load(v.id),
  approvedHours: async (v, _, ctx) => (await ctx.loaders.hours.load(v.id)).approved,
  pendingHours: async (v, _, ctx) => (await ctx.loaders.hours.load(v.id)).pending,
  points: (v, _, ctx) => ctx.loaders.balance.load(v.id),
  serviceRecords: (v, a, ctx) => ctx.loaders.recordsOf.load(v.id, a),
  upcomingShifts: (v, a, ctx) => ctx.loaders.upcomingShiftsOf.load(v.id, a),
};
