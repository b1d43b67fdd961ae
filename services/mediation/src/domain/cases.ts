import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  AgreementReached,
  CaseAccepted,
  CaseClosed,
  CaseFiled,
  CasePartyRemoved,
  CaseStatusChanged,
} from '@liyuan/schemas';
import {
  addDays,
  assertRecentInstant,
  assertWithin,
  badInput,
  checkResidentReference,
  communityDate,
  conflict,
  decodeKeyset,
  distinct,
  forbidden,
  freeText,
  hasRole,
  isoDate,
  isoInstant,
  line,
  notFound,
  pageOf,
  pageSize,
  parseInput,
  unauthenticated,
  uuid,
  type Caller,
} from '@liyuan/kit';
import { assertMove, isOpen, type CaseStatus, type Outcome } from './case-status';
import { KEYSETS } from './keysets';
import {
  AGREEMENT_FORMS,
  CATEGORIES,
  PARTY_ROLES,
  SOURCES,
  type CasePage,
  type DisputeCase,
  type FollowUp,
  type OverdueCasePage,
  type Mediator,
  type Party,
} from './model';
import type { CaseListing, MediationStore, RunInTransaction, Tx } from './ports';

const fileInput = z
  .object({
    category: z.enum(CATEGORIES),
    source: z.enum(SOURCES),
    referralFrom: line(100).nullish(),
    summary: freeText(4000),
    parties: z
      .array(z.object({ residentId: uuid, role: z.enum(PARTY_ROLES) }))
      .min(2, 'a dispute has at least two parties')
      .max(20)
      .refine(
        (ps) => new Set(ps.map((p) => p.residentId)).size === ps.length,
        'each resident is a party once',
      ),
  })
  .refine((c) => c.source !== 'referral' || Boolean(c.referralFrom), {
    message: 'a referral names who referred it',
    path: ['referralFrom'],
  });
const agreementInput = z.object({
  form: z.enum(AGREEMENT_FORMS),
  terms: freeText(4000),
  signedOn: isoDate,
});
const mediatorInput = z.object({
  name: line(50),
  userId: line(100),
  specialties: distinct(z.enum(CATEGORIES), 'each specialty once')
    .max(5, 'at most 5 specialties')
    .nullish(),
});
const attendeesInput = distinct(uuid, 'each attendee once').min(1, 'at least one attendee');
/** A reason, a record, an outcome: free text. */
const note = freeText(2000);

/** Days an agreement leaves for court confirmation, and after which its follow-up visit is due. */
export const COURT_CONFIRMATION_DAYS = 30;
/** The last day to ask the court to confirm an agreement signed on `signedOn`. */
export const courtConfirmationDeadline = (signedOn: string): string =>
  dayAfter(signedOn, COURT_CONFIRMATION_DAYS);
export const FOLLOW_UP_AFTER_DAYS = 14;
/**
 * How far back a session or an agreement may be dated when it is recorded: a year. Neither may be
 * in the future (a session allows the kit's five minutes of clock skew).
 */
export const RECORDED_WITHIN_DAYS = 365;

const DAY = 86_400_000;
const dayAfter = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
const today = communityDate;

/** The committee (mediation staff): admins and staff. */
export const isMediationStaff = (caller: Caller): boolean => hasRole(caller, 'admin', 'staff');

/** What visibility needs to know about a case: its parties and its mediators' user ids. */
export interface CaseAccess {
  partyIds: string[];
  mediatorUserIds: string[];
}

/** Case details are for its parties, its mediators and mediation staff only. */
export function canSeeCase(caller: Caller, access: CaseAccess): boolean {
  if (caller.userId === null) return false;
  if (isMediationStaff(caller)) return true;
  if (caller.residentId && access.partyIds.includes(caller.residentId)) return true;
  return hasRole(caller, 'mediator') && access.mediatorUserIds.includes(caller.userId);
}

/**
 * {@link canSeeCase} as a listing's filter, for reading only the cases the caller may see: every
 * case for mediation staff, those the caller is party to or (a mediator) assigned to otherwise;
 * undefined when the caller may see none.
 */
export function visibleCases(caller: Caller): CaseListing | undefined {
  if (caller.userId === null) return undefined;
  if (isMediationStaff(caller)) return {};
  const filter: CaseListing = {
    mediatorUserId: hasRole(caller, 'mediator') ? caller.userId : undefined,
    residentId: caller.residentId ?? undefined,
  };
  return filter.mediatorUserId || filter.residentId ? filter : undefined;
}

/**
 * People's mediation cases. Every change of status goes through the state machine, is recorded in
 * the case's history, and commits with its event; a refused move is a CONFLICT that changes nothing.
 */
export class Cases {
  constructor(
    private readonly read: MediationStore,
    private readonly transaction: RunInTransaction,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async access(caseId: string, store: MediationStore = this.read): Promise<CaseAccess> {
    // One after the other: inside a transaction the store has one connection, and a pg client
    // runs one query at a time.
    const parties = await store.partiesOf([caseId]);
    const mediators = await store.mediatorsOf([caseId]);
    return {
      partyIds: parties.map((p) => p.residentId),
      mediatorUserIds: mediators.map((m) => m.mediator.userId),
    };
  }

  /**
   * Files a case. Every party must be a resident the registry announced (BAD_USER_INPUT naming
   * `input.parties.<i>.residentId` otherwise; a resident naming themself is accepted before the
   * announcement arrives, their id comes signed). Publishes CaseFiled.
   */
  async file(caller: Caller, raw: unknown): Promise<DisputeCase> {
    if (caller.userId === null) throw unauthenticated();
    const input = parseInput(fileInput, raw, 'input');
    if (input.source === 'service_request') {
      throw badInput(
        'input.source',
        'input.source: cases from service requests arrive from the service hall',
      );
    }
    if (!isMediationStaff(caller)) {
      const self = input.parties.find((p) => p.residentId === caller.residentId);
      if (
        !hasRole(caller, 'resident') ||
        !self ||
        self.role !== 'applicant' ||
        input.source !== 'application'
      ) {
        throw forbidden('a resident files an application naming themself as applicant');
      }
    }
    const c = newCase(input.category, input.source, input.summary, caller.userId, {
      referralFrom: input.referralFrom ?? null,
    });
    const parties: Party[] = input.parties.map((p) => ({
      id: randomUUID(),
      caseId: c.id,
      residentId: p.residentId,
      role: p.role,
      refusedAt: null,
    }));
    return this.transaction(async (tx) => {
      const known = await tx.store.knownResidents(parties.map((p) => p.residentId));
      for (const [i, p] of parties.entries())
        checkResidentReference(known, p.residentId, `input.parties.${i}.residentId`, {
          callerResidentId: caller.residentId,
        });
      await tx.store.insertCase(c, parties);
      await publishFiled(tx, c, parties);
      return c;
    });
  }

  accept(caller: Caller, input: { id: string }): Promise<DisputeCase> {
    return this.move(caller, input.id, 'accepted', { staffOnly: true }, async (tx, c) => {
      await tx.publish(CaseAccepted, c.id, { caseId: c.id });
    });
  }

  decline(caller: Caller, input: { id: string; reason: unknown }): Promise<DisputeCase> {
    requireStaff(caller);
    const outcomeNote = parseInput(note, input.reason, 'input.reason');
    return this.move(caller, input.id, 'declined', { staffOnly: true, outcomeNote });
  }

  /** Assigns a mediator from the roster to an open case; chosen by the committee unless told. */
  async assignMediator(
    caller: Caller,
    input: { caseId: string; mediatorId: string; chosenByParties?: boolean | null },
  ): Promise<DisputeCase> {
    requireStaff(caller);
    const { caseId, mediatorId } = input;
    if (!uuid.safeParse(mediatorId).success)
      throw badInput('input.mediatorId', 'input.mediatorId: must be a valid id');
    return this.transaction(async (tx) => {
      const c = await locked(tx, caseId, 'input.caseId');
      if (!isOpen(c.status))
        throw conflict(
          `a case that is ${c.status.replace(/_/g, ' ')} takes no new mediator`,
          'input.caseId',
        );
      if (!(await tx.store.mediatorsByIds([mediatorId])).length)
        throw badInput('input.mediatorId', 'input.mediatorId: no such mediator');
      await tx.store.assignMediator(caseId, mediatorId, input.chosenByParties ?? false);
      return c;
    });
  }

  startMediation(caller: Caller, input: { id: string }): Promise<DisputeCase> {
    return this.move(caller, input.id, 'in_mediation', {}, async (tx, c) => {
      if (!(await tx.store.mediatorsOf([c.id])).length)
        throw conflict('assign a mediator first', 'input.id');
    });
  }

  /**
   * Records a session of a case in mediation: held within the past {@link RECORDED_WITHIN_DAYS}
   * days and not in the future, attended by parties to the case, each named once.
   */
  async recordSession(
    caller: Caller,
    input: { caseId: string; heldAt: string; attendeeIds: string[]; record: unknown },
  ): Promise<DisputeCase> {
    requireUser(caller);
    const held = new Date(parseInput(isoInstant, input.heldAt, 'input.heldAt'));
    const attendeeIds = parseInput(attendeesInput, input.attendeeIds, 'input.attendeeIds');
    const text4000 = parseInput(freeText(4000), input.record, 'input.record');
    assertRecentInstant('input.heldAt', held, this.clock(), RECORDED_WITHIN_DAYS);
    return this.transaction(async (tx) => {
      const c = await locked(tx, input.caseId, 'input.caseId');
      await this.requireCaseWorker(tx, caller, c.id);
      if (c.status !== 'in_mediation')
        throw conflict('sessions are recorded while the case is in mediation', 'input.caseId');
      const parties = new Set((await tx.store.partiesOf([c.id])).map((p) => p.residentId));
      if (attendeeIds.some((a) => !parties.has(a))) {
        throw badInput('input.attendeeIds', 'input.attendeeIds: attendees are parties to the case');
      }
      await tx.store.insertSession({
        id: randomUUID(),
        caseId: c.id,
        heldAt: held,
        attendees: attendeeIds,
        record: text4000,
      });
      return c;
    });
  }

  /**
   * Records the agreement, signed within the past {@link RECORDED_WITHIN_DAYS} days and not in the
   * future, and schedules its follow-up. Publishes AgreementReached.
   */
  reachAgreement(
    caller: Caller,
    { caseId, agreement }: { caseId: string; agreement: unknown },
  ): Promise<DisputeCase> {
    requireUser(caller);
    const input = parseInput(agreementInput, agreement, 'input.agreement');
    const now = this.clock();
    if (input.signedOn > today(now))
      throw badInput(
        'input.agreement.signedOn',
        'input.agreement.signedOn: must not be in the future',
      );
    assertWithin(
      'input.agreement.signedOn',
      input.signedOn,
      today(addDays(now, -RECORDED_WITHIN_DAYS)),
      undefined,
      `must be within the past ${RECORDED_WITHIN_DAYS} days`,
    );
    return this.move(
      caller,
      caseId,
      'agreement_reached',
      { outcome: 'agreement_reached', field: 'input.caseId' },
      async (tx, c) => {
        const agreementId = randomUUID();
        await tx.store.insertAgreement({ id: agreementId, caseId: c.id, ...input });
        const followUp: FollowUp = {
          id: randomUUID(),
          caseId: c.id,
          agreementId,
          dueOn: dayAfter(input.signedOn, FOLLOW_UP_AFTER_DAYS),
          doneAt: null,
          outcome: null,
        };
        await tx.store.insertFollowUp(followUp);
        const parties = await tx.store.partiesOf([c.id]);
        await tx.publish(AgreementReached, c.id, {
          caseId: c.id,
          agreementId,
          partyResidentIds: parties.map((p) => p.residentId),
          signedOn: input.signedOn,
        });
      },
    );
  }

  fail(caller: Caller, input: { caseId: string; reason: unknown }): Promise<DisputeCase> {
    requireUser(caller);
    const outcomeNote = parseInput(note, input.reason, 'input.reason');
    return this.move(caller, input.caseId, 'failed', {
      outcome: 'failed',
      outcomeNote,
      field: 'input.caseId',
    });
  }

  /** The applicant (or staff) withdraws; allowed once accepted and before an outcome. */
  async withdraw(caller: Caller, { caseId }: { caseId: string }): Promise<DisputeCase> {
    if (caller.userId === null) throw unauthenticated();
    return this.transaction(async (tx) => {
      const c = await locked(tx, caseId, 'input.caseId');
      const applicant = (await tx.store.partiesOf([c.id])).some(
        (p) => p.role === 'applicant' && p.residentId === caller.residentId,
      );
      if (!applicant && !isMediationStaff(caller))
        throw forbidden('only the applicant or mediation staff withdraw a case');
      return this.apply(tx, caller, c, 'withdrawn', {
        outcome: 'withdrawn',
        field: 'input.caseId',
      });
    });
  }

  /** A party refuses mediation: a filed case is declined, an accepted or mediated one fails. */
  async refuse(caller: Caller, { caseId }: { caseId: string }): Promise<DisputeCase> {
    if (caller.userId === null) throw unauthenticated();
    return this.transaction(async (tx) => {
      const c = await locked(tx, caseId, 'input.caseId');
      const party = (await tx.store.partiesOf([c.id])).find(
        (p) => p.residentId === caller.residentId,
      );
      if (!party) throw forbidden('only a party refuses mediation');
      const to: CaseStatus = c.status === 'filed' ? 'declined' : 'failed';
      const next = await this.apply(tx, caller, c, to, {
        outcome: to === 'declined' ? 'declined' : 'failed',
        outcomeNote: 'a party refused mediation',
        field: 'input.caseId',
      });
      await tx.store.markRefused(c.id, party.residentId);
      return next;
    });
  }

  close(caller: Caller, { caseId }: { caseId: string }): Promise<DisputeCase> {
    return this.move(
      caller,
      caseId,
      'closed',
      { staffOnly: true, field: 'input.caseId' },
      async (tx, c) => {
        await tx.publish(CaseClosed, c.id, { caseId: c.id, outcome: c.outcome ?? 'failed' });
      },
    );
  }

  /**
   * Removes a resident named in error from an open case's parties (mediation staff): they no longer
   * see the case. The applicant stays (withdraw the case instead). Publishes CasePartyRemoved.
   */
  async removeParty(
    caller: Caller,
    input: { caseId: string; partyId: string },
  ): Promise<DisputeCase> {
    requireStaff(caller);
    if (!uuid.safeParse(input.partyId).success)
      throw badInput('input.partyId', 'input.partyId: must be a valid id');
    return this.transaction(async (tx) => {
      const c = await locked(tx, input.caseId, 'input.caseId');
      const party = (await tx.store.partiesOf([c.id])).find((p) => p.id === input.partyId);
      if (!party) throw badInput('input.partyId', 'input.partyId: not a party to this case');
      if (!isOpen(c.status))
        throw conflict(
          `a case that is ${c.status.replace(/_/g, ' ')} keeps its parties`,
          'input.caseId',
        );
      if (party.role === 'applicant')
        throw conflict('the applicant stays a party; withdraw the case instead', 'input.partyId');
      await tx.store.removeParty(c.id, party.id);
      await tx.publish(CasePartyRemoved, c.id, { caseId: c.id, residentId: party.residentId });
      return c;
    });
  }

  async recordFollowUp(
    caller: Caller,
    input: { followUpId: string; outcome: unknown },
  ): Promise<FollowUp> {
    requireUser(caller);
    const outcome = parseInput(note, input.outcome, 'input.outcome');
    const { followUpId } = input;
    if (!uuid.safeParse(followUpId).success)
      throw badInput('input.followUpId', 'input.followUpId: must be a valid id');
    return this.transaction(async (tx) => {
      const f = await tx.store.lockFollowUp(followUpId);
      if (!f) throw notFound('follow-up', followUpId, 'input.followUpId');
      await this.requireCaseWorker(tx, caller, f.caseId);
      if (f.doneAt) throw conflict('this follow-up was already recorded', 'input.followUpId');
      await tx.store.completeFollowUp(f.id, outcome);
      return { ...f, doneAt: new Date(), outcome };
    });
  }

  /** Adds a mediator to the roster, each specialty named once. */
  async addMediator(caller: Caller, raw: unknown): Promise<Mediator> {
    requireStaff(caller);
    const input = parseInput(mediatorInput, raw, 'input');
    const m: Mediator = {
      id: randomUUID(),
      name: input.name,
      userId: input.userId,
      specialties: input.specialties ?? [],
    };
    return this.transaction(async ({ store }) => {
      if ((await store.allMediators()).some((x) => x.userId === m.userId)) {
        throw conflict('this user is already on the roster', 'input.userId');
      }
      await store.insertMediator(m);
      return m;
    });
  }

  /** The roster. */
  mediators(): Promise<Mediator[]> {
    return this.read.allMediators();
  }

  /** A page of the cases the caller may see, newest first (first: 1 to 100, default 20). */
  async list(
    caller: Caller,
    args: { first?: number | null; after?: string | null; status?: CaseStatus | null },
  ): Promise<CasePage> {
    if (caller.userId === null) throw unauthenticated();
    const first = pageSize(args.first);
    const after = decodeKeyset(args.after, KEYSETS.case.parts);
    const visible = visibleCases(caller);
    if (!visible) return pageOf([], first, KEYSETS.case.cursor, () => Promise.resolve(0));
    const filter: CaseListing = { ...visible, status: args.status ?? undefined };
    const rows = await this.read.listCases(filter, { after, limit: first + 1 });
    return pageOf(rows, first, KEYSETS.case.cursor, () => this.read.countCases(filter));
  }

  /** A page of accepted cases unresolved after a month, and late follow-ups (staff). */
  async overdue(
    caller: Caller,
    args: { first?: number | null; after?: string | null },
  ): Promise<OverdueCasePage> {
    requireStaff(caller);
    const first = pageSize(args.first);
    const after = decodeKeyset(args.after, KEYSETS.overdue.parts);
    const now = this.clock();
    const rows = await this.read.overdue(now, { after, limit: first + 1 });
    const items = rows.map((r) => ({
      ...r,
      daysOverdue: Math.max(0, Math.floor((now.getTime() - r.since.getTime()) / DAY)),
    }));
    return pageOf(items, first, KEYSETS.overdue.cursor, () => this.read.countOverdue(now));
  }

  /** Counts by category and outcome, success rate and average days to resolve for cases filed in [from, to). */
  async stats(caller: Caller, from: string, to: string) {
    requireStaff(caller);
    const f = parseInput(isoDate, from, 'from');
    const t = parseInput(isoDate, to, 'to');
    if (t <= f) throw badInput('to', 'to: must be after from');
    const cases = await this.read.casesFiledBetween(f, t);
    const count = (key: (c: DisputeCase) => string) => {
      const m = new Map<string, number>();
      for (const c of cases) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
      return [...m]
        .map(([k, n]) => ({ key: k, count: n }))
        .sort((a, b) => a.key.localeCompare(b.key));
    };
    const ended = cases.filter((c) => c.outcome && c.outcome !== 'declined');
    const resolved = ended.filter((c) => c.acceptedAt && c.resolvedAt);
    return {
      total: cases.length,
      byCategory: count((c) => c.category),
      byOutcome: count((c) => c.outcome ?? 'open'),
      successRate: ended.length
        ? ended.filter((c) => c.outcome === 'agreement_reached').length / ended.length
        : null,
      averageDaysToResolve: resolved.length
        ? resolved.reduce(
            (s, c) => s + (c.resolvedAt!.getTime() - c.acceptedAt!.getTime()) / DAY,
            0,
          ) / resolved.length
        : null,
    };
  }

  /** A party moved out: their open cases are flagged for the mediators; returns how many. */
  static flagCasesOfMovedOut(tx: Tx, residentId: string): Promise<number> {
    return tx.store.flagOpenCasesOf(residentId);
  }

  /** A dispute filed at the service hall becomes a case, once per request. */
  static async fromServiceRequest(
    tx: Tx,
    request: { requestId: string; residentId: string },
  ): Promise<boolean> {
    const c = newCase(
      'other',
      'service_request',
      `Dispute filed at the one-stop service hall (request ${request.requestId})`,
      'service:residents',
      { serviceRequestId: request.requestId },
    );
    const parties: Party[] = [
      {
        id: randomUUID(),
        caseId: c.id,
        residentId: request.residentId,
        role: 'applicant',
        refusedAt: null,
      },
    ];
    const inserted = await tx.store.insertCase(c, parties);
    if (inserted) await publishFiled(tx, c, parties);
    return inserted;
  }

  private async move(
    caller: Caller,
    id: string,
    to: CaseStatus,
    opts: { staffOnly?: boolean; outcome?: Outcome; outcomeNote?: string; field?: string },
    effect?: (tx: Tx, c: DisputeCase) => Promise<void>,
  ): Promise<DisputeCase> {
    if (caller.userId === null) throw unauthenticated();
    if (opts.staffOnly) requireStaff(caller);
    return this.transaction(async (tx) => {
      const c = await locked(tx, id, opts.field ?? 'input.id');
      if (!opts.staffOnly) await this.requireCaseWorker(tx, caller, c.id);
      return this.apply(tx, caller, c, to, opts, effect);
    });
  }

  private async apply(
    tx: Tx,
    caller: Caller,
    c: DisputeCase,
    to: CaseStatus,
    opts: { outcome?: Outcome; outcomeNote?: string; field?: string },
    effect?: (tx: Tx, c: DisputeCase) => Promise<void>,
  ): Promise<DisputeCase> {
    assertMove(c.status, to, opts.field ?? 'input.id');
    const outcome = opts.outcome ?? (to === 'declined' ? 'declined' : undefined);
    await tx.store.setStatus(
      c.id,
      to,
      {
        outcome,
        outcomeNote: opts.outcomeNote,
        accepted: to === 'accepted',
        resolved: Boolean(outcome),
        closed: to === 'closed',
      },
      caller.userId ?? '',
      c.status,
    );
    await effect?.(tx, c);
    await tx.publish(CaseStatusChanged, c.id, { caseId: c.id, from: c.status, to });
    const now = new Date();
    return {
      ...c,
      status: to,
      outcome: outcome ?? c.outcome,
      outcomeNote: opts.outcomeNote ?? c.outcomeNote,
      acceptedAt: to === 'accepted' ? now : c.acceptedAt,
      resolvedAt: outcome ? now : c.resolvedAt,
    };
  }

  /** Mediation staff, or a mediator assigned to the case. */
  private async requireCaseWorker(tx: Tx, caller: Caller, caseId: string): Promise<void> {
    if (isMediationStaff(caller)) return;
    if (
      hasRole(caller, 'mediator') &&
      (await this.access(caseId, tx.store)).mediatorUserIds.includes(caller.userId ?? '')
    )
      return;
    throw forbidden("only the case's mediators or mediation staff do this");
  }
}

/** A new case, filed now. */
function newCase(
  category: DisputeCase['category'],
  source: DisputeCase['source'],
  summary: string,
  createdBy: string,
  extra: { referralFrom?: string | null; serviceRequestId?: string },
): DisputeCase {
  return {
    id: randomUUID(),
    category,
    source,
    referralFrom: extra.referralFrom ?? null,
    serviceRequestId: extra.serviceRequestId ?? null,
    summary,
    status: 'filed',
    outcome: null,
    outcomeNote: null,
    filedAt: new Date(),
    acceptedAt: null,
    resolvedAt: null,
    partyMovedOutAt: null,
    createdBy,
  };
}

/** Signed-in callers only: anonymous callers learn nothing, not even what their input lacks. */
function requireUser(caller: Caller): void {
  if (caller.userId === null) throw unauthenticated();
}

function requireStaff(caller: Caller): void {
  requireUser(caller);
  if (!isMediationStaff(caller)) throw forbidden('requires mediation staff (staff or admin)');
}

async function locked(tx: Tx, id: string, field: string): Promise<DisputeCase> {
  if (!uuid.safeParse(id).success) throw badInput(field, `${field}: must be a valid id`);
  const c = await tx.store.lockCase(id);
  if (!c) throw notFound('case', id, field);
  return c;
}

async function publishFiled(tx: Tx, c: DisputeCase, parties: Party[]): Promise<void> {
  await tx.publish(CaseFiled, c.id, {
    caseId: c.id,
    source: c.source,
    serviceRequestId: c.serviceRequestId,
    partyResidentIds: parties.map((p) => p.residentId),
  });
}
