import type { Page } from '@liyuan/kit';
import type { CaseStatus, Outcome } from './case-status';

export const CATEGORIES = ['neighbour', 'family', 'property', 'labour', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];
export const SOURCES = ['application', 'committee', 'referral', 'service_request'] as const;
export type Source = (typeof SOURCES)[number];
export const PARTY_ROLES = ['applicant', 'respondent', 'other'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

/** A resident who is party to a case, with the party's own id. */
export interface Party {
  id: string;
  caseId: string;
  residentId: string;
  role: PartyRole;
  refusedAt: Date | null;
}

export interface DisputeCase {
  id: string;
  category: Category;
  source: Source;
  referralFrom: string | null;
  serviceRequestId: string | null;
  summary: string;
  status: CaseStatus;
  outcome: Outcome | null;
  outcomeNote: string | null;
  filedAt: Date;
  acceptedAt: Date | null;
  resolvedAt: Date | null;
  partyMovedOutAt: Date | null;
  createdBy: string;
}

export interface Mediator {
  id: string;
  name: string;
  userId: string;
  specialties: Category[];
}

export interface Session {
  id: string;
  caseId: string;
  heldAt: Date;
  attendees: string[];
  record: string;
}

export const AGREEMENT_FORMS = ['written', 'oral'] as const;
export type AgreementForm = (typeof AGREEMENT_FORMS)[number];

export interface Agreement {
  id: string;
  caseId: string;
  form: AgreementForm;
  terms: string;
  signedOn: string;
}

export interface FollowUp {
  id: string;
  caseId: string;
  agreementId: string;
  dueOn: string;
  doneAt: Date | null;
  outcome: string | null;
}

/** Something overdue: a case unresolved a month after acceptance, or a late follow-up of it. */
export interface OverdueItem {
  /** The case's id for an unresolved case, the follow-up's for a late follow-up. */
  itemId: string;
  case: DisputeCase;
  reason: 'NOT_RESOLVED_IN_A_MONTH' | 'FOLLOW_UP_LATE';
  /** The deadline that passed. */
  since: Date;
}

/** An overdue item and how many whole days ago its deadline passed. */
export interface OverdueCase extends OverdueItem {
  daysOverdue: number;
}

export type CasePage = Page<DisputeCase>;
export type OverdueCasePage = Page<OverdueCase>;
