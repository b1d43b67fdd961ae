import type { MutationResolvers } from './generated/resolvers-types';

export const Mutation: MutationResolvers = {
  fileCase: (_, a, ctx) => ctx.cases.file(ctx.caller, a.input),
  acceptCase: (_, a, ctx) => ctx.cases.accept(ctx.caller, a.input),
  declineCase: (_, a, ctx) => ctx.cases.decline(ctx.caller, a.input),
  assignMediator: (_, a, ctx) => ctx.cases.assignMediator(ctx.caller, a.input),
  startMediation: (_, a, ctx) => ctx.cases.startMediation(ctx.caller, a.input),
  recordSession: (_, a, ctx) => ctx.cases.recordSession(ctx.caller, a.input),
  reachAgreement: (_, a, ctx) => ctx.cases.reachAgreement(ctx.caller, a.input),
  failMediation: (_, a, ctx) => ctx.cases.fail(ctx.caller, a.input),
  withdrawCase: (_, a, ctx) => ctx.cases.withdraw(ctx.caller, a.input),
  refuseMediation: (_, a, ctx) => ctx.cases.refuse(ctx.caller, a.input),
  closeCase: (_, a, ctx) => ctx.cases.close(ctx.caller, a.input),
  recordFollowUp: (_, a, ctx) => ctx.cases.recordFollowUp(ctx.caller, a.input),
  removeParty: (_, a, ctx) => ctx.cases.removeParty(ctx.caller, a.input),
  addMediator: (_, a, ctx) => ctx.cases.addMediator(ctx.caller, a.input),
};
