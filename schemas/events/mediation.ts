import { z } from 'zod';
import { defineEvent } from './envelope';

/**
 * Contracts of the mediation service's events that other services consume. Payloads carry ids only:
 * no case narrative, no party's personal data.
 */
export const MEDIATION_TOPICS = {
  case: 'mediation.case.v1',
} as const;

const id = z.uuid();

/** A dispute case was opened; `serviceRequestId` is set when it came from a one-stop service request. */
export const CaseFiled = defineEvent('CaseFiled', MEDIATION_TOPICS.case, {
  caseId: id,
  source: z.enum(['application', 'committee', 'referral', 'service_request']),
  serviceRequestId: id.nullable(),
  partyResidentIds: z.array(id),
});

/** The parties signed (or orally concluded) an agreement; residents schedules follow-up visits. */
export const AgreementReached = defineEvent('AgreementReached', MEDIATION_TOPICS.case, {
  caseId: id,
  agreementId: id,
  partyResidentIds: z.array(id).min(1),
  signedOn: z.iso.date(),
});

/** The committee accepted a case for mediation. */
export const CaseAccepted = defineEvent('CaseAccepted', MEDIATION_TOPICS.case, {
  caseId: id,
});

/** A case was closed with its outcome. */
export const CaseClosed = defineEvent('CaseClosed', MEDIATION_TOPICS.case, {
  caseId: id,
  outcome: z.enum(['agreement_reached', 'failed', 'withdrawn', 'declined']),
});

export const CASE_STATUSES = [
  'filed',
  'accepted',
  'declined',
  'in_mediation',
  'agreement_reached',
  'failed',
  'withdrawn',
  'closed',
] as const;

/**
 * A case moved from one status to another (every move, including those with an event of their own):
 * what live views of a case follow. Nothing consumes it between services.
 */
export const CaseStatusChanged = defineEvent('CaseStatusChanged', MEDIATION_TOPICS.case, {
  caseId: id,
  from: z.enum(CASE_STATUSES),
  to: z.enum(CASE_STATUSES),
});

/** Mediation staff removed a resident named in error from an open case's parties. */
export const CasePartyRemoved = defineEvent('CasePartyRemoved', MEDIATION_TOPICS.case, {
  caseId: id,
  residentId: id,
});

export const mediationEvents = [
  CaseFiled,
  CaseAccepted,
  AgreementReached,
  CaseClosed,
  CaseStatusChanged,
  CasePartyRemoved,
] as const;
