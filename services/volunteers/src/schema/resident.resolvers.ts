import { mayReadProfile } from '../domain/volunteering';
import type { ResidentResolvers } from './generated/resolvers-types';

/** Volunteers' view of a resident: their volunteer profile, for leads, staff and themself. */
export const Resident: ResidentResolvers = {
  __resolveReference: (ref) => ({ id: ref.id }),
  volunteerProfile: async (r, _, ctx) =>
    mayReadProfile(ctx.caller, r.id)
      ? ((await ctx.loaders.volunteerOfResident.load(r.id)) ?? null)
      : null,
};
