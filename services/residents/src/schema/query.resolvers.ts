import { idArg, unauthenticated } from '@liyuan/kit';
import { KEYSETS } from '../domain/keysets';
import { loadReadableHousehold } from './household.resolvers';
import { loadReadableResident } from './resident.resolvers';
import type { QueryResolvers } from './generated/resolvers-types';

/** A Relay-style connection of one page (the personal-data audit's, which has no total). */
function connection<T>(page: { items: T[]; hasNextPage: boolean }, cursor: (item: T) => string) {
  const last = page.items[page.items.length - 1];
  return {
    edges: page.items.map((node) => ({ cursor: cursor(node), node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? cursor(last) : null },
  };
}

export const Query: QueryResolvers = {
  me: (_, __, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.caller;
  },
  resident: (_, args, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return loadReadableResident(ctx, idArg(args.id, 'id'));
  },
  residents: async (_, args, ctx) => {
    const page = await ctx.registry.listResidents(ctx.caller, args);
    for (const r of page.items) ctx.loaders.resident.prime(r.id, r);
    return page;
  },
  household: (_, args, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return loadReadableHousehold(ctx, idArg(args.id, 'id'));
  },
  building: (_, args, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.loaders.building.load(idArg(args.id, 'id'));
  },
  buildings: (_, args, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.loaders.buildingsOfGrid(args.gridId ? idArg(args.gridId, 'gridId') : undefined);
  },
  grid: (_, args, ctx) => ctx.loaders.grid.load(idArg(args.id, 'id')),
  grids: (_, __, ctx) => ctx.loaders.allGrids(),
  keyGroupTags: (_, __, ctx) => ctx.loaders.keyGroupTags(),
  visitsDue: (_, args, ctx) => ctx.visits.visitsDue(ctx.caller, args),
  scheduledVisits: (_, args, ctx) => ctx.visits.scheduledVisits(ctx.caller, args),
  serviceRequest: (_, args, ctx) => ctx.requests.get(ctx.caller, args.id),
  serviceRequests: (_, args, ctx) => ctx.requests.list(ctx.caller, args),
  personalDataAudit: async (_, args, ctx) => {
    // Reads write to this log without any mutation or event: its answer is never kept.
    ctx.cacheHints.noStore = true;
    const page = await ctx.registry.personalDataAudit(ctx.caller, args);
    return connection(page, KEYSETS.personalDataAccess.cursor);
  },
};
