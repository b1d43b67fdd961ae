import { enumValues } from '@liyuan/kit';
import {
  GENDERS,
  RELATIONSHIPS,
  RESIDENCY_TYPES,
  RESIDENT_STATUSES,
  SCHEDULED_VISIT_REASONS,
  SCHEDULED_VISIT_STATUSES,
  SERVICE_REQUEST_STATUSES,
  SERVICE_REQUEST_TYPES,
} from '../domain/model';

/** The schema's enums, each from the domain's one list of its values. */
export const enums = {
  Gender: enumValues(GENDERS),
  ResidencyType: enumValues(RESIDENCY_TYPES),
  ResidentStatus: enumValues(RESIDENT_STATUSES),
  ScheduledVisitReason: enumValues(SCHEDULED_VISIT_REASONS),
  ScheduledVisitStatus: enumValues(SCHEDULED_VISIT_STATUSES),
  ServiceRequestType: enumValues(SERVICE_REQUEST_TYPES),
  ServiceRequestStatus: enumValues(SERVICE_REQUEST_STATUSES),
  Relationship: enumValues(RELATIONSHIPS),
};
