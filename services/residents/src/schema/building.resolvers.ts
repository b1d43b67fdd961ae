import { unauthenticated } from '@liyuan/kit';
import type { Building as BuildingModel } from '../domain/model';
import type { ResidentsContext } from './context';

export const Building = {
  __resolveReference: (ref: { id: string }, ctx: ResidentsContext) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.loaders.building.load(ref.id);
  },
  grid: (b: BuildingModel, _: unknown, ctx: ResidentsContext) => ctx.loaders.grid.load(b.gridId),
};
