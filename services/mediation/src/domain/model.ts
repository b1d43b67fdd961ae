import type { CaseStatus, Outcome } from './case-status';

export const CATEGORIES = ['neighbour', 'family', 'property', 'labour', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];
export const SOURCES = ['application', 'committee', 'referral', 'service_request'] as const;
export type Source = (typeof SOURCES)[number];
export const PARTY_ROLES = ['applicant', 'respondent', 'other'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

export interface Party {
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
