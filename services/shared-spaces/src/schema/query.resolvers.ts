import { idArg } from '@liyuan/kit';
import type { QueryResolvers } from './generated/resolvers-types';

export const Query: QueryResolvers = {
  partyBranches: (_, __, ctx) => ctx.spaces.branches(ctx.caller),
  sharedSpaces: (_, __, ctx) => ctx.spaces.listSpaces(),
  activity: (_, a, ctx) => ctx.loaders.activity.load(idArg(a.id, 'id')),
  upcomingActivities: async (_, a, ctx) => {
    const page = await ctx.spaces.upcoming(a);
    for (const activity of page.items) ctx.loaders.activity.prime(activity.id, activity);
    return page;
  },
};
