import { enumValues } from '@liyuan/kit';
import {
  OPPORTUNITY_KINDS,
  SERVICE_RECORD_STATUSES,
  TEAM_KINDS,
  VOLUNTEER_STATUSES,
} from '../domain/model';

/** The schema's enums, each from the domain's one list of its values. */
export const enums = {
  TeamKind: enumValues(TEAM_KINDS),
  OpportunityKind: enumValues(OPPORTUNITY_KINDS),
  VolunteerStatus: enumValues(VOLUNTEER_STATUSES),
  ServiceRecordStatus: enumValues(SERVICE_RECORD_STATUSES),
};
