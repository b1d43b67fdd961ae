import { unauthenticated } from '@liyuan/kit';
import type { GridResolvers } from './generated/resolvers-types';

export const Grid: GridResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.grid.load(ref.id),
  parent: (g, _, ctx) => (g.parentId ? ctx.loaders.grid.load(g.parentId) : null),
  children: async (g, _, ctx) => (await ctx.loaders.allGrids()).filter((c) => c.parentId === g.id),
  /** Who looks after the grid: visible to signed-in callers only. */
  members: (g, _, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.loaders.membersOfGrid.load(g.id);
  },
};
