import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { DateScalar, DateTimeScalar, unauthenticated } from '@liyuan/kit';
import type { CaseStatus } from '../domain/case-status';
import { COURT_CONFIRMATION_DAYS } from '../domain/cases';
import type { Agreement, DisputeCase, Party, Session } from '../domain/model';
import type { MediationContext as Ctx } from './context';

const lower = <T extends string>(values: T[]) =>
  Object.fromEntries(values.map((v) => [v.toUpperCase(), v]));
const enums = {
  CaseCategory: lower(['neighbour', 'family', 'property', 'labour', 'other']),
  CaseSource: lower(['application', 'committee', 'referral', 'service_request']),
  CaseStatus: lower([
    'filed',
    'accepted',
    'declined',
    'in_mediation',
    'agreement_reached',
    'failed',
    'withdrawn',
    'closed',
  ]),
  PartyRole: lower(['applicant', 'respondent', 'other']),
  AgreementForm: lower(['written', 'oral']),
};

const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Thin resolvers: the use cases authorise and validate; reads are filtered by case visibility. */
export const resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...enums,
  Query: {
    case: async (_: unknown, a: { id: string }, ctx: Ctx) => {
      if (ctx.caller.userId === null) throw unauthenticated();
      const c = /^[0-9a-f-]{36}$/i.test(a.id) ? await ctx.loaders.case.load(a.id) : undefined;
      return c && (await ctx.visible(c)) ? c : null;
    },
    cases: (_: unknown, a: { status?: CaseStatus | null }, ctx: Ctx) =>
      ctx.cases.list(ctx.caller, a.status ?? undefined),
    mediators: (_: unknown, __: unknown, ctx: Ctx) => {
      if (ctx.caller.userId === null) throw unauthenticated();
      return ctx.cases.mediators();
    },
    overdueCases: (_: unknown, __: unknown, ctx: Ctx) => ctx.cases.overdue(ctx.caller),
    mediationStats: (_: unknown, a: { from: string; to: string }, ctx: Ctx) =>
      ctx.cases.stats(ctx.caller, a.from, a.to),
  },
  Mutation: {
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
    closeCase: (_: unknown, a: { caseId: string }, ctx: Ctx) =>
      ctx.cases.close(ctx.caller, a.caseId),
    recordFollowUp: (_: unknown, a: { followUpId: string; outcome: string }, ctx: Ctx) =>
      ctx.cases.recordFollowUp(ctx.caller, a.followUpId, a.outcome),
    addMediator: (_: unknown, a: { input: unknown }, ctx: Ctx) =>
      ctx.cases.addMediator(ctx.caller, a.input),
  },
  DisputeCase: {
    __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
      const c = await ctx.loaders.case.load(ref.id);
      return c && (await ctx.visible(c)) ? c : null;
    },
    parties: (c: DisputeCase, _: unknown, ctx: Ctx) => ctx.loaders.parties.load(c.id),
    mediators: (c: DisputeCase, _: unknown, ctx: Ctx) => ctx.loaders.mediators.load(c.id),
    sessions: (c: DisputeCase, _: unknown, ctx: Ctx) => ctx.loaders.sessions.load(c.id),
    agreement: (c: DisputeCase, _: unknown, ctx: Ctx) => ctx.loaders.agreement.load(c.id),
    followUps: (c: DisputeCase, _: unknown, ctx: Ctx) => ctx.loaders.followUps.load(c.id),
  },
  CaseParty: { resident: (p: Party) => ({ id: p.residentId }) },
  MediationSession: { attendees: (s: Session) => s.attendees.map((id) => ({ id })) },
  Agreement: {
    courtConfirmationDeadline: (a: Agreement) => addDays(a.signedOn, COURT_CONFIRMATION_DAYS),
  },
  /** A resident's cases, filtered case by case: nobody learns that a case they may not see exists. */
  Resident: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => {
      if (ctx.caller.userId === null) throw unauthenticated();
      return { id: ref.id };
    },
    mediationCases: async (r: { id: string }, _: unknown, ctx: Ctx) => {
      const ids = await ctx.loaders.casesOfResident.load(r.id);
      const cases = (await ctx.loaders.case.loadMany(ids)).filter(
        (c): c is DisputeCase => Boolean(c) && !(c instanceof Error),
      );
      const visible = await Promise.all(cases.map((c) => ctx.visible(c)));
      return cases.filter((_, i) => visible[i]);
    },
  },
} as unknown as GraphQLResolverMap<Ctx>;
