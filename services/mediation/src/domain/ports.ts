import type { KnownResidentStatus, ParentRow, Publish } from '@liyuan/kit';
import type { CaseStatus, Outcome } from './case-status';
import type {
  Agreement,
  DisputeCase,
  FollowUp,
  Mediator,
  OverdueItem,
  Party,
  Session,
} from './model';

/**
 * Which cases a listing reads: all (staff), or those a mediator is assigned to or a resident is
 * a party to (either), optionally of one status.
 */
export interface CaseListing {
  mediatorUserId?: string;
  residentId?: string;
  status?: CaseStatus;
}

/** The mediation database over one connection or transaction. */
export interface MediationStore {
  insertCase(c: DisputeCase, parties: Party[]): Promise<boolean>;
  casesByIds(ids: readonly string[]): Promise<DisputeCase[]>;
  lockCase(id: string): Promise<DisputeCase | undefined>;
  setStatus(
    id: string,
    status: CaseStatus,
    changes: {
      outcome?: Outcome;
      outcomeNote?: string | null;
      accepted?: boolean;
      resolved?: boolean;
      closed?: boolean;
    },
    actor: string,
    from: CaseStatus,
  ): Promise<void>;
  /** A page of cases, newest first (filed_at, id descending), after the cursor's (filedAt, id). */
  listCases(
    filter: CaseListing,
    page: { after?: readonly [string, string]; limit: number },
  ): Promise<DisputeCase[]>;
  countCases(filter: CaseListing): Promise<number>;
  partiesOf(caseIds: readonly string[]): Promise<Party[]>;
  /**
   * The first `limit` cases of each resident that the resident is party to and `filter` lets
   * through, newest first (filed_at, id descending) after the cursor's (filedAt, id): one
   * statement for every resident, each row with the resident it was read for.
   */
  casesOfResidents(
    residentIds: readonly string[],
    filter: CaseListing,
    page: { after?: readonly [string, string]; limit: number },
  ): Promise<ParentRow<DisputeCase>[]>;
  /** How many cases of each resident `filter` lets through (residents with none left out). */
  countCasesOfResidents(
    residentIds: readonly string[],
    filter: CaseListing,
  ): Promise<Map<string, number>>;
  markRefused(caseId: string, residentId: string): Promise<void>;
  /** Deletes one party row of the case. */
  removeParty(caseId: string, partyId: string): Promise<void>;
  /** The registry status of each resident the residents' events announced (others are absent). */
  knownResidents(ids: readonly string[]): Promise<Map<string, KnownResidentStatus>>;
  flagOpenCasesOf(residentId: string): Promise<number>;

  mediatorsByIds(ids: readonly string[]): Promise<Mediator[]>;
  allMediators(): Promise<Mediator[]>;
  insertMediator(m: Mediator): Promise<void>;
  assignMediator(caseId: string, mediatorId: string, chosenByParties: boolean): Promise<void>;
  mediatorsOf(caseIds: readonly string[]): Promise<{ caseId: string; mediator: Mediator }[]>;

  insertSession(s: Session): Promise<void>;
  sessionsOf(caseIds: readonly string[]): Promise<Session[]>;
  insertAgreement(a: Agreement): Promise<void>;
  agreementsOf(caseIds: readonly string[]): Promise<Agreement[]>;
  insertFollowUp(f: FollowUp): Promise<void>;
  followUpsOf(caseIds: readonly string[]): Promise<FollowUp[]>;
  lockFollowUp(id: string): Promise<FollowUp | undefined>;
  completeFollowUp(id: string, outcome: string): Promise<void>;

  /**
   * A page of what is overdue as of `asOf`: accepted cases with no outcome a month after
   * acceptance (item: the case) and late follow-ups (item: the follow-up), by (since, item id).
   */
  overdue(
    asOf: Date,
    page: { after?: readonly [string, string]; limit: number },
  ): Promise<OverdueItem[]>;
  countOverdue(asOf: Date): Promise<number>;
  /** Cases filed in [from, to) with what the statistics need. */
  casesFiledBetween(from: string, to: string): Promise<DisputeCase[]>;
}

export interface Tx {
  store: MediationStore;
  publish: Publish;
}

export type RunInTransaction = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
