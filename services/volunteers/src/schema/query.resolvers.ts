import type { QueryResolvers } from './generated/resolvers-types';

export const Query: QueryResolvers = {
  teams: (_, __, ctx) => ctx.volunteering.teams(),
  openOpportunities: async (_, a, ctx) => {
    const page = await ctx.volunteering.openOpportunities(a);
    for (const o of page.items) ctx.loaders.opportunity.prime(o.id, o);
    return page;
  },
  leaderboard: (_, a, ctx) => ctx.volunteering.leaderboard(a),
};
