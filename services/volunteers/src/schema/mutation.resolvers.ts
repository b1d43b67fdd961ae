import type { MutationResolvers } from './generated/resolvers-types';

/** Thin: the use case validates, authorises and writes; the resolver only hands over the caller. */
export const Mutation: MutationResolvers = {
  createTeam: (_, a, ctx) => ctx.volunteering.createTeam(ctx.caller, a.input),
  registerVolunteer: (_, a, ctx) => ctx.volunteering.register(ctx.caller, a.input),
  addTeamMember: (_, a, ctx) => ctx.volunteering.addToTeam(ctx.caller, a.input),
  postOpportunity: async (_, a, ctx) =>
    (await ctx.volunteering.post(ctx.caller, a.input)).opportunity,
  signUp: (_, a, ctx) => ctx.volunteering.signUp(ctx.caller, a.input),
  cancelSignUp: (_, a, ctx) => ctx.volunteering.cancelSignUp(ctx.caller, a.input),
  checkInVolunteer: async (_, a, ctx) =>
    (await ctx.volunteering.checkInOut(ctx.caller, a.input, false)).shift,
  checkOutVolunteer: async (_, a, ctx) =>
    (await ctx.volunteering.checkInOut(ctx.caller, a.input, true)).record,
  approveHours: (_, a, ctx) => ctx.volunteering.approve(ctx.caller, a.input),
  redeemPoints: (_, a, ctx) => ctx.volunteering.redeem(ctx.caller, a.input),
};
