import { unauthenticated } from '@liyuan/kit';
import type { Grid as GridModel } from '../domain/model';
import type { ResidentsContext } from './context';

export const Grid = {
  __resolveReference: (ref: { id: string }, ctx: ResidentsContext) => ctx.loaders.grid.load(ref.id),
  parent: (g: GridModel, _: unknown, ctx: ResidentsContext) =>
    g.parentId ? ctx.loaders.grid.load(g.parentId) : null,
  children: async (g: GridModel, _: unknown, ctx: ResidentsContext) =>
    (await ctx.loaders.allGrids()).filter((c) => c.parentId === g.id),
  /** Who looks after the grid: visible to signed-in callers only. */
  members: (g: GridModel, _: unknown, ctx: ResidentsContext) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.loaders.membersOfGrid.load(g.id);
  },
};
