import type { Branch } from '../domain/model';
import type { SpacesContext as Ctx } from './context';

export const PartyBranch = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.branch.load(ref.id),
  kind: (b: Branch) => b.kind.toUpperCase(),
  /** The whole roster for secretaries, staff and admins; anyone else sees only their own membership. */
  members: async (b: Branch, _: unknown, ctx: Ctx) =>
    ctx.spaces.visibleMembers(ctx.caller, await ctx.loaders.membersOfBranch.load(b.id)),
};
