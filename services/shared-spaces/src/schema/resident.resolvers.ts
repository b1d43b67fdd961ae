import { mayReadMembership } from '../domain/spaces';
import type { SpacesContext as Ctx } from './context';

/** Shared-spaces' view of a resident: their party membership and the activities they attended. */
export const Resident = {
  __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  partyMembership: async (r: { id: string }, _: unknown, ctx: Ctx) =>
    mayReadMembership(ctx.caller, r.id)
      ? ((await ctx.loaders.memberOfResident.load(r.id)) ?? null)
      : null,
  activitiesAttended: (r: { id: string }, _: unknown, ctx: Ctx) =>
    mayReadMembership(ctx.caller, r.id) ? ctx.loaders.attendedBy.load(r.id) : null,
};
