import type { MediationContext as Ctx } from './context';

export const Mutation = {
  fileCase: (_: unknown, a: { input: unknown }, ctx: Ctx) => ctx.cases.file(ctx.caller, a.input),
  acceptCase: (_: unknown, a: { id: string }, ctx: Ctx) => ctx.cases.accept(ctx.caller, a.id),
  declineCase: (_: unknown, a: { id: string; reason: string }, ctx: Ctx) =>
    ctx.cases.decline(ctx.caller, a.id, a.reason),
  assignMediator: (
    _: unknown,
    a: { caseId: string; mediatorId: string; chosenByParties?: boolean | null },
    ctx: Ctx,
  ) => ctx.cases.assignMediator(ctx.caller, a.caseId, a.mediatorId, a.chosenByParties ?? false),
  startMediation: (_: unknown, a: { id: string }, ctx: Ctx) =>
    ctx.cases.startMediation(ctx.caller, a.id),
  recordSession: (
    _: unknown,
    a: { caseId: string; heldAt: string; attendeeIds: string[]; record: string },
    ctx: Ctx,
  ) => ctx.cases.recordSession(ctx.caller, a.caseId, a.heldAt, a.attendeeIds, a.record),
  reachAgreement: (_: unknown, a: { caseId: string; agreement: unknown }, ctx: Ctx) =>
    ctx.cases.reachAgreement(ctx.caller, a.caseId, a.agreement),
  failMediation: (_: unknown, a: { caseId: string; reason: string }, ctx: Ctx) =>
    ctx.cases.fail(ctx.caller, a.caseId, a.reason),
  withdrawCase: (_: unknown, a: { caseId: string }, ctx: Ctx) =>
    ctx.cases.withdraw(ctx.caller, a.caseId),
  refuseMediation: (_: unknown, a: { caseId: string }, ctx: Ctx) =>
    ctx.cases.refuse(ctx.caller, a.caseId),
  closeCase: (_: unknown, a: { caseId: string }, ctx: Ctx) => ctx.cases.close(ctx.caller, a.caseId),
  recordFollowUp: (_: unknown, a: { followUpId: string; outcome: string }, ctx: Ctx) =>
    ctx.cases.recordFollowUp(ctx.caller, a.followUpId, a.outcome),
  addMediator: (_: unknown, a: { input: unknown }, ctx: Ctx) =>
    ctx.cases.addMediator(ctx.caller, a.input),
};
