import { enumValues } from '@liyuan/kit';
import { CASE_STATUSES } from '../domain/case-status';
import { AGREEMENT_FORMS, CATEGORIES, PARTY_ROLES, SOURCES } from '../domain/model';

/** The schema's enums, each from the domain's one list of its values. */
export const enums = {
  CaseCategory: enumValues(CATEGORIES),
  CaseSource: enumValues(SOURCES),
  CaseStatus: enumValues(CASE_STATUSES),
  PartyRole: enumValues(PARTY_ROLES),
  AgreementForm: enumValues(AGREEMENT_FORMS),
};
