import type { TeamResolvers } from './generated/resolvers-types';

export const Team: TeamResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.team.load(ref.id),
};
