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

export const mediationEvents = [CaseFiled, CaseAccepted, AgreementReached, CaseClosed] as const;
