import { mayReadMembership } from '../domain/spaces';
import type { ResidentResolvers } from './generated/resolvers-types';

/** Shared-spaces' view of a resident: their party membership and the activities they attended. */
export const Resident: ResidentResolvers = {
  __resolveReference: (ref) => ({ id: ref.id }),
  partyMembership: async (r, _, ctx) =>
    mayReadMembership(ctx.caller, r.id)
      ? ((await ctx.loaders.memberOfResident.load(r.id)) ?? null)
      : null,
  activitiesAttended: (r, a, ctx) =>
    mayReadMembership(ctx.caller, r.id) ? ctx.loaders.attendedBy.load(r.id, a) : null,
};
