import { idArg, unauthenticated } from '@liyuan/kit';
import type { CaseStatus } from '../domain/case-status';
import type { MediationContext as Ctx } from './context';

export const Query = {
  case: async (_: unknown, a: { id: string }, ctx: Ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    const c = await ctx.loaders.case.load(idArg(a.id, 'id'));
    return c && (await ctx.visible(c)) ? c : null;
  },
  cases: (_: unknown, a: { status?: CaseStatus | null }, ctx: Ctx) =>
    ctx.cases.list(ctx.caller, a.status ?? undefined),
  mediators: (_: unknown, __: unknown, ctx: Ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.cases.mediators();
  },
  overdueCases: (_: unknown, __: unknown, ctx: Ctx) => ctx.cases.overdue(ctx.caller),
  mediationStats: (_: unknown, a: { from: string; to: string }, ctx: Ctx) =>
    ctx.cases.stats(ctx.caller, a.from, a.to),
};
