import type { MutationResolvers } from './generated/resolvers-types';

export const Mutation: MutationResolvers = {
  fileCase: (_, a, ctx) => ctx.cases.file(ctx.caller, a.input),
  acceptCase: (_, a, ctx) => ctx.cases.accept(ctx.caller, a.id),
  declineCase: (_, a, ctx) => ctx.cases.decline(ctx.caller, a.id, a.reason),
  assignMediator: (_, a, ctx) =>
    ctx.cases.assignMediator(ctx.caller, a.caseId, a.mediatorId, a.chosenByParties ?? false),
  startMediation: (_, a, ctx) => ctx.cases.startMediation(ctx.caller, a.id),
  recordSession: (_, a, ctx) =>
    ctx.cases.recordSession(ctx.caller, a.caseId, a.heldAt, a.attendeeIds, a.record),
  reachAgreement: (_, a, ctx) => ctx.cases.reachAgreement(ctx.caller, a.caseId, a.agreement),
  failMediation: (_, a, ctx) => ctx.cases.fail(ctx.caller, a.caseId, a.reason),
  withdrawCase: (_, a, ctx) => ctx.cases.withdraw(ctx.caller, a.caseId),
  refuseMediation: (_, a, ctx) => ctx.cases.refuse(ctx.caller, a.caseId),
  closeCase: (_, a, ctx) => ctx.cases.close(ctx.caller, a.caseId),
  recordFollowUp: (_, a, ctx) => ctx.cases.recordFollowUp(ctx.caller, a.followUpId, a.outcome),
  addMediator: (_, a, ctx) => ctx.cases.addMediator(ctx.caller, a.input),
};
