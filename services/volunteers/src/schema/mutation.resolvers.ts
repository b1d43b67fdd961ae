import type { MutationResolvers } from './generated/resolvers-types';

export const Mutation: MutationResolvers = {
  createTeam: (_, a, ctx) =>
    ctx.volunteering.createTeam(ctx.caller, { ...a, kind: a.kind.toLowerCase() }),
  registerVolunteer: (_, a, ctx) => ctx.volunteering.register(ctx.caller, a),
  addTeamMember: (_, a, ctx) => ctx.volunteering.addToTeam(ctx.caller, a.teamId, a.residentId),
  postOpportunity: async (_, a, ctx) =>
    (await ctx.volunteering.post(ctx.caller, { ...a, kind: a.kind.toLowerCase() })).opportunity,
  signUp: (_, a, ctx) => ctx.volunteering.signUp(ctx.caller, a.shiftId),
  cancelSignUp: (_, a, ctx) => ctx.volunteering.cancelSignUp(ctx.caller, a.shiftId),
  checkInVolunteer: async (_, a, ctx) =>
    (await ctx.volunteering.checkInOut(ctx.caller, a.shiftId, a.residentId, false)).shift,
  checkOutVolunteer: async (_, a, ctx) =>
    (await ctx.volunteering.checkInOut(ctx.caller, a.shiftId, a.residentId, true)).record,
  approveHours: (_, a, ctx) => ctx.volunteering.approve(ctx.caller, a.serviceRecordId),
  redeemPoints: (_, a, ctx) => ctx.volunteering.redeem(ctx.caller, a.points, a.reference),
};
