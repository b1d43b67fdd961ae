import { unauthenticated } from '@liyuan/kit';
import { encodeCursor } from '../domain/registry';
import type { ResidentsContext } from './context';
import { loadReadableHousehold } from './household.resolvers';
import { loadReadableResident } from './resident.resolvers';

interface ResidentsArgs {
  first?: number | null;
  after?: string | null;
  filter?: Record<string, unknown> | null;
}

export const queryResolvers = {
  Query: {
    resident: (_: unknown, args: { id: string }, ctx: ResidentsContext) =>
      loadReadableResident(ctx, args.id),
    residents: async (_: unknown, args: ResidentsArgs, ctx: ResidentsContext) => {
      const page = await ctx.registry.listResidents(ctx.caller, args);
      for (const r of page.items) ctx.loaders.resident.prime(r.id, r);
      return {
        edges: page.items.map((node) => ({ cursor: encodeCursor(node), node })),
        pageInfo: {
          hasNextPage: page.hasNextPage,
          endCursor: page.items.length ? encodeCursor(page.items[page.items.length - 1]!) : null,
        },
        totalCount: page.totalCount,
      };
    },
    household: (_: unknown, args: { id: string }, ctx: ResidentsContext) =>
      loadReadableHousehold(ctx, args.id),
    building: (_: unknown, args: { id: string }, ctx: ResidentsContext) => {
      if (ctx.caller.userId === null) throw unauthenticated();
      return ctx.loaders.building.load(args.id);
    },
    buildings: (_: unknown, args: { gridId?: string | null }, ctx: ResidentsContext) => {
      if (ctx.caller.userId === null) throw unauthenticated();
      return ctx.loaders.buildingsOfGrid(args.gridId ?? undefined);
    },
    grid: (_: unknown, args: { id: string }, ctx: ResidentsContext) =>
      ctx.loaders.grid.load(args.id),
    grids: (_: unknown, __: unknown, ctx: ResidentsContext) => ctx.loaders.allGrids(),
  },
};
