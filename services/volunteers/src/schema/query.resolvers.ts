import { idArg } from '@liyuan/kit';
import type { QueryResolvers } from './generated/resolvers-types';

export const Query: QueryResolvers = {
  teams: (_, __, ctx) => ctx.volunteering.teams(),
  openOpportunities: async (_, a, ctx) => {
    const page = await ctx.volunteering.openOpportunities(a);
    for (const o of page.items) ctx.loaders.opportunity.prime(o.id, o);
    return page;
  },
  leaderboard: (_, a, ctx) => ctx.volunteering.leaderboard(a),
  shift: async (_, a, ctx) => (await ctx.loaders.shift.load(idArg(a.id, 'id'))) ?? null,
  volunteer: async (_, a, ctx) =>
    (await ctx.volunteering.volunteerOf(ctx.caller, a.residentId)) ?? null,
  serviceRecord: async (_, a, ctx) =>
    (await ctx.volunteering.serviceRecord(ctx.caller, a.id)) ?? null,
};
