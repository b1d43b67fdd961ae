import { loadExisting, unauthenticated } from '@liyuan/kit';
import type { BuildingResolvers } from './generated/resolvers-types';

export const Building: BuildingResolvers = {
  __resolveReference: (ref, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.loaders.building.load(ref.id);
  },
  grid: (b, _, ctx) => loadExisting(ctx.loaders.grid, b.gridId, 'grid'),
};
