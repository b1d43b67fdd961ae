import type { PartyBranchResolvers } from './generated/resolvers-types';

export const PartyBranch: PartyBranchResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.branch.load(ref.id),
  /** The whole roster for secretaries, staff and admins; anyone else sees only their own membership. */
  members: (b, a, ctx) =>
    ctx.spaces.visibleMembers(ctx.caller, b.id, a, ctx.loaders.membersOfBranch),
};
