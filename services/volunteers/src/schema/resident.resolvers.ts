import { mayReadProfile } from '../domain/volunteering';
import type { VolunteersContext as Ctx } from './context';

/** Volunteers' view of a resident: their volunteer profile, for leads, staff and themself. */
export const Resident = {
  __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  volunteerProfile: async (r: { id: string }, _: unknown, ctx: Ctx) =>
    mayReadProfile(ctx.caller, r.id)
      ? ((await ctx.loaders.volunteerOfResident.load(r.id)) ?? null)
      : null,
};
