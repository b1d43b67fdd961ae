import type { VolunteersContext as Ctx } from './context';

export const Mutation = {
  createTeam: (_: unknown, a: { name: string; kind: string; leadUserId: string }, ctx: Ctx) =>
    ctx.volunteering.createTeam(ctx.caller, { ...a, kind: a.kind.toLowerCase() }),
  registerVolunteer: (_: unknown, a: Parameters<Ctx['volunteering']['register']>[1], ctx: Ctx) =>
    ctx.volunteering.register(ctx.caller, a),
  addTeamMember: (_: unknown, a: { teamId: string; residentId: string }, ctx: Ctx) =>
    ctx.volunteering.addToTeam(ctx.caller, a.teamId, a.residentId),
  postOpportunity: async (_: unknown, a: Parameters<Ctx['volunteering']['post']>[1], ctx: Ctx) =>
    (await ctx.volunteering.post(ctx.caller, { ...a, kind: a.kind.toLowerCase() })).opportunity,
  signUp: (_: unknown, a: { shiftId: string }, ctx: Ctx) =>
    ctx.volunteering.signUp(ctx.caller, a.shiftId),
  cancelSignUp: (_: unknown, a: { shiftId: string }, ctx: Ctx) =>
    ctx.volunteering.cancelSignUp(ctx.caller, a.shiftId),
  checkInVolunteer: async (_: unknown, a: { shiftId: string; residentId: string }, ctx: Ctx) =>
    (await ctx.volunteering.checkInOut(ctx.caller, a.shiftId, a.residentId, false)).shift,
  checkOutVolunteer: async (_: unknown, a: { shiftId: string; residentId: string }, ctx: Ctx) =>
    (await ctx.volunteering.checkInOut(ctx.caller, a.shiftId, a.residentId, true)).record,
  approveHours: (_: unknown, a: { serviceRecordId: string }, ctx: Ctx) =>
    ctx.volunteering.approve(ctx.caller, a.serviceRecordId),
  redeemPoints: (_: unknown, a: { points: number; reference: string }, ctx: Ctx) =>
    ctx.volunteering.redeem(ctx.caller, a.points, a.reference),
};
