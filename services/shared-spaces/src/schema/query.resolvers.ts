import { idArg } from '@liyuan/kit';
import type { SpacesContext as Ctx } from './context';

export const Query = {
  partyBranches: (_: unknown, __: unknown, ctx: Ctx) => ctx.spaces.branches(ctx.caller),
  sharedSpaces: (_: unknown, __: unknown, ctx: Ctx) => ctx.spaces.listSpaces(),
  activity: (_: unknown, a: { id: string }, ctx: Ctx) =>
    ctx.loaders.activity.load(idArg(a.id, 'id')),
  upcomingActivities: (_: unknown, __: unknown, ctx: Ctx) => ctx.spaces.upcoming(),
};
