import { unauthenticated } from '@liyuan/kit';
import type { GridMemberResolvers } from './generated/resolvers-types';

export const GridMember: GridMemberResolvers = {
  __resolveReference: (ref, ctx) => {
    if (ctx.caller.userId === null) throw unauthenticated();
    return ctx.loaders.gridMember.load(ref.id);
  },
  grids: (m, _, ctx) => ctx.loaders.gridsOfMember.load(m.id),
};
