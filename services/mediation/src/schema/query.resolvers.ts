import { idArg, unauthenticated } from '@liyuan/kit';
import type { QueryResolvers } from './generated/resolvers-types';

export const Query: QueryResolvers = {
  case: async (_, a, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    const c = await ctx.loaders.case.load(idArg(a.id, 'id'));
    return c && (await ctx.visible(c)) ? c : null;
  },
  cases: async (_, a, ctx) => {
    const page = await ctx.cases.list(ctx.caller, a);
    for (const c of page.items) ctx.loaders.case.prime(c.id, c);
    return page;
  },
  mediators: (_, __, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.cases.mediators();
  },
  overdueCases: (_, a, ctx) => ctx.cases.overdue(ctx.caller, a),
  mediationStats: (_, a, ctx) => ctx.cases.stats(ctx.caller, a.from, a.to),
};
