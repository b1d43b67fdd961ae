import type { PartyBranchResolvers } from './generated/resolvers-types';

export const PartyBranch: PartyBranchResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.branch.load(ref.id),
  kind: (b) => b.kind.toUpperCase(),
  /** The whole roster for secretaries, staff and admins; anyone else sees only their own membership. */
  members: async (b, _, ctx) =>
    ctx.spaces.visibleMembers(ctx.caller, await ctx.loaders.membersOfBranch.load(b.id)),
};
