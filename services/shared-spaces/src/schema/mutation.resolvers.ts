import type { MutationResolvers } from './generated/resolvers-types';

/** Thin: the use case validates, authorises and writes; the resolver only hands over the caller. */
export const Mutation: MutationResolvers = {
  createPartyBranch: (_, a, ctx) => ctx.spaces.createBranch(ctx.caller, a.input),
  registerPartyMember: (_, a, ctx) => ctx.spaces.registerMember(ctx.caller, a.input),
  createSharedSpace: (_, a, ctx) => ctx.spaces.createSpace(ctx.caller, a.input),
  scheduleActivity: (_, a, ctx) => ctx.spaces.schedule(ctx.caller, a.input),
  registerForActivity: (_, a, ctx) => ctx.spaces.register(ctx.caller, a.input),
  cancelRegistration: (_, a, ctx) => ctx.spaces.cancelRegistration(ctx.caller, a.input),
  cancelActivity: (_, a, ctx) => ctx.spaces.cancelActivity(ctx.caller, a.input),
  checkInAttendee: (_, a, ctx) => ctx.spaces.checkIn(ctx.caller, a.input),
  completeActivity: (_, a, ctx) => ctx.spaces.complete(ctx.caller, a.input),
};
