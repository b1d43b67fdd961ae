import type { DisputeCaseResolvers } from './generated/resolvers-types';

export const DisputeCase: DisputeCaseResolvers = {
  __resolveReference: async (ref, ctx) => {
    const c = await ctx.loaders.case.load(ref.id);
    return c && (await ctx.visible(c)) ? c : null;
  },
  parties: (c, _, ctx) => ctx.loaders.parties.load(c.id),
  mediators: (c, _, ctx) => ctx.loaders.mediators.load(c.id),
  sessions: (c, _, ctx) => ctx.loaders.sessions.load(c.id),
  agreement: (c, _, ctx) => ctx.loaders.agreement.load(c.id),
  followUps: (c, _, ctx) => ctx.loaders.followUps.load(c.id),
};
