import type { SpacesContext as Ctx } from './context';

/** Shared-spaces' view of a facility: the spaces in it and their activities to come. */
export const Facility = {
  __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  sharedSpaces: (f: { id: string }, _: unknown, ctx: Ctx) =>
    ctx.loaders.spacesOfFacility.load(f.id),
  upcomingActivities: (f: { id: string }, _: unknown, ctx: Ctx) =>
    ctx.loaders.upcomingAtFacility.load(f.id),
};
