import type { MutationResolvers } from './generated/resolvers-types';

export const Mutation: MutationResolvers = {
  createPartyBranch: (_, a, ctx) => ctx.spaces.createBranch(ctx.caller, a.name, a.courtyard),
  registerPartyMember: (_, a, ctx) => ctx.spaces.registerMember(ctx.caller, a),
  createSharedSpace: (_, a, ctx) =>
    ctx.spaces.createSpace(ctx.caller, a.name, a.theme, a.facilityId),
  scheduleActivity: (_, a, ctx) => ctx.spaces.schedule(ctx.caller, a),
  registerForActivity: (_, a, ctx) => ctx.spaces.register(ctx.caller, a.activityId),
  cancelRegistration: (_, a, ctx) => ctx.spaces.cancelRegistration(ctx.caller, a.activityId),
  checkInAttendee: (_, a, ctx) => ctx.spaces.checkIn(ctx.caller, a.activityId, a.residentId),
  completeActivity: (_, a, ctx) =>
    ctx.spaces.complete(ctx.caller, a.activityId, a.staffResidentIds ?? []),
};
