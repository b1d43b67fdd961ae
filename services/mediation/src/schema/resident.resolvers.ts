import { unauthenticated } from '@liyuan/kit';
import type { ResidentResolvers } from './generated/resolvers-types';

/**
 * A resident's cases, a page at a time, only those the caller may see (read so, not filtered
 * after): nobody learns that a case they may not see exists, and the pages of many residents are
 * one statement.
 */
export const Resident: ResidentResolvers = {
  __resolveReference: (ref, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return { id: ref.id };
  },
  mediationCases: async (r, a, ctx) => {
    const page = await ctx.loaders.casesOfResident.load(r.id, a);
    for (const c of page.items) ctx.loaders.case.prime(c.id, c);
    return page;
  },
};
