import type { VolunteersContext as Ctx } from './context';

export const Query = {
  teams: (_: unknown, __: unknown, ctx: Ctx) => ctx.volunteering.teams(),
  openOpportunities: (_: unknown, __: unknown, ctx: Ctx) => ctx.volunteering.openOpportunities(),
  leaderboard: async (
    _: unknown,
    a: { from: string; to: string; gridId?: string | null },
    ctx: Ctx,
  ) =>
    (await ctx.volunteering.leaderboard(a.from, a.to, a.gridId)).map((e) => ({
      resident: { id: e.residentId },
      hours: e.hours,
    })),
};
