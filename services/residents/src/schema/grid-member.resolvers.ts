import { unauthenticated } from '@liyuan/kit';
import type { GridMember as GridMemberModel } from '../domain/model';
import type { ResidentsContext } from './context';

export const GridMember = {
  __resolveReference: (ref: { id: string }, ctx: ResidentsContext) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.loaders.gridMember.load(ref.id);
  },
  grids: (m: GridMemberModel, _: unknown, ctx: ResidentsContext) =>
    ctx.loaders.gridsOfMember.load(m.id),
};
