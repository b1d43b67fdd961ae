import type { QueryResolvers } from './generated/resolvers-types';

export const Query: QueryResolvers = {
  teams: (_, __, ctx) => ctx.volunteering.teams(),
  openOpportunities: (_, __, ctx) => ctx.volunteering.openOpportunities(),
  leaderboard: async (_, a, ctx) =>
    (await ctx.volunteering.leaderboard(a.from, a.to, a.gridId)).map((e) => ({
      resident: { id: e.residentId },
      hours: e.hours,
    })),
};
