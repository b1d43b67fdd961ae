import type { SpacesContext as Ctx } from './context';

export const Mutation = {
  createPartyBranch: (_: unknown, a: { name: string; courtyard: boolean }, ctx: Ctx) =>
    ctx.spaces.createBranch(ctx.caller, a.name, a.courtyard),
  registerPartyMember: (_: unknown, a: Parameters<Ctx['spaces']['registerMember']>[1], ctx: Ctx) =>
    ctx.spaces.registerMember(ctx.caller, a),
  createSharedSpace: (
    _: unknown,
    a: { name: string; theme: string; facilityId: string },
    ctx: Ctx,
  ) => ctx.spaces.createSpace(ctx.caller, a.name, a.theme, a.facilityId),
  scheduleActivity: (_: unknown, a: Parameters<Ctx['spaces']['schedule']>[1], ctx: Ctx) =>
    ctx.spaces.schedule(ctx.caller, a),
  registerForActivity: (_: unknown, a: { activityId: string }, ctx: Ctx) =>
    ctx.spaces.register(ctx.caller, a.activityId),
  cancelRegistration: (_: unknown, a: { activityId: string }, ctx: Ctx) =>
    ctx.spaces.cancelRegistration(ctx.caller, a.activityId),
  checkInAttendee: (_: unknown, a: { activityId: string; residentId: string }, ctx: Ctx) =>
    ctx.spaces.checkIn(ctx.caller, a.activityId, a.residentId),
  completeActivity: (
    _: unknown,
    a: { activityId: string; staffResidentIds?: string[] | null },
    ctx: Ctx,
  ) => ctx.spaces.complete(ctx.caller, a.activityId, a.staffResidentIds ?? []),
};
