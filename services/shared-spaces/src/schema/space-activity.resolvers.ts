import { loadExisting } from '@liyuan/kit';
import type { SpaceActivityResolvers } from './generated/resolvers-types';

export const SpaceActivity: SpaceActivityResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.activity.load(ref.id),
  space: (a, _, ctx) => loadExisting(ctx.loaders.space, a.spaceId, 'shared space'),
  registeredCount: (a, _, ctx) => ctx.loaders.registeredCount.load(a.id),
};
