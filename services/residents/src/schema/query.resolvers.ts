import { encodeCursor, idArg, unauthenticated } from '@liyuan/kit';
import { requestCursor } from '../domain/service-requests';
import { residentCursor } from '../domain/registry';
import type { ResidentsContext } from './context';
import { loadReadableHousehold } from './household.resolvers';
import { loadReadableResident } from './resident.resolvers';

interface PageArgs {
  first?: number | null;
  after?: string | null;
  filter?: Record<string, unknown> | null;
}

/** A Relay-style connection of one page. */
function connection<T>(page: { items: T[]; hasNextPage: boolean }, cursor: (item: T) => string) {
  const last = page.items[page.items.length - 1];
  return {
    edges: page.items.map((node) => ({ cursor: cursor(node), node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? cursor(last) : null },
  };
}

interface ResidentsArgs {
  first?: number | null;
  after?: string | null;
  filter?: Record<string, unknown> | null;
}

export const Query = {
  resident: (_: unknown, args: { id: string }, ctx: ResidentsContext) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return loadReadableResident(ctx, idArg(args.id, 'id'));
  },
  residents: async (_: unknown, args: ResidentsArgs, ctx: ResidentsContext) => {
    const page = await ctx.registry.listResidents(ctx.caller, args);
    for (const r of page.items) ctx.loaders.resident.prime(r.id, r);
    return {
      edges: page.items.map((node) => ({ cursor: residentCursor(node), node })),
      pageInfo: {
        hasNextPage: page.hasNextPage,
        endCursor: page.items.length ? residentCursor(page.items[page.items.length - 1]!) : null,
      },
      totalCount: page.totalCount,
    };
  },
  household: (_: unknown, args: { id: string }, ctx: ResidentsContext) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return loadReadableHousehold(ctx, idArg(args.id, 'id'));
  },
  building: (_: unknown, args: { id: string }, ctx: ResidentsContext) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.loaders.building.load(idArg(args.id, 'id'));
  },
  buildings: (_: unknown, args: { gridId?: string | null }, ctx: ResidentsContext) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.loaders.buildingsOfGrid(args.gridId ? idArg(args.gridId, 'gridId') : undefined);
  },
  grid: (_: unknown, args: { id: string }, ctx: ResidentsContext) =>
    ctx.loaders.grid.load(idArg(args.id, 'id')),
  grids: (_: unknown, __: unknown, ctx: ResidentsContext) => ctx.loaders.allGrids(),
  keyGroupTags: (_: unknown, __: unknown, ctx: ResidentsContext) => ctx.loaders.keyGroupTags(),
  visitsDue: (_: unknown, args: { gridId: string }, ctx: ResidentsContext) =>
    ctx.visits.visitsDue(ctx.caller, args.gridId),
  scheduledVisits: (
    _: unknown,
    args: { gridId: string; status?: 'scheduled' | 'done' | null },
    ctx: ResidentsContext,
  ) => ctx.visits.scheduledVisits(ctx.caller, args.gridId, args.status ?? 'scheduled'),
  serviceRequest: (_: unknown, args: { id: string }, ctx: ResidentsContext) =>
    ctx.requests.get(ctx.caller, args.id),
  serviceRequests: async (_: unknown, args: PageArgs, ctx: ResidentsContext) => {
    const page = await ctx.requests.list(ctx.caller, args);
    return connection(page, requestCursor);
  },
  personalDataAudit: async (_: unknown, args: PageArgs, ctx: ResidentsContext) => {
    // Reads write to this log without any mutation or event: its answer is never kept.
    ctx.cacheHints.noStore = true;
    const page = await ctx.registry.personalDataAudit(ctx.caller, args);
    return connection(page, (r) => encodeCursor([r.id]));
  },
};
