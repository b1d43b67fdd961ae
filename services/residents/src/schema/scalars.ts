export { DateScalar, DateTimeScalar } from '@liyuan/kit';

/** GraphQL enum values mapped to the domain's lower-case values. */
export const enums = {
  Gender: { MALE: 'male', FEMALE: 'female' },
  ResidencyType: { REGISTERED: 'registered', PERMANENT: 'permanent', FLOATING: 'floating' },
  ResidentStatus: { ACTIVE: 'active', MOVED_OUT: 'moved_out', DECEASED: 'deceased' },
  ScheduledVisitReason: { FOLLOW_UP: 'follow_up', MEDIATION_FOLLOW_UP: 'mediation_follow_up' },
  ScheduledVisitStatus: { SCHEDULED: 'scheduled', DONE: 'done' },
  ServiceRequestType: {
    SOCIAL_INSURANCE: 'social_insurance',
    MEDICAL_INSURANCE: 'medical_insurance',
    DISPUTE: 'dispute',
    FACILITY_FAULT: 'facility_fault',
    FRAUD_REPORT: 'fraud_report',
    OTHER: 'other',
  },
  ServiceRequestStatus: {
    FILED: 'filed',
    IN_PROGRESS: 'in_progress',
    RESOLVED: 'resolved',
    REFERRED: 'referred',
    REJECTED: 'rejected',
  },
  Relationship: {
    HEAD: 'head',
    SPOUSE: 'spouse',
    CHILD: 'child',
    PARENT: 'parent',
    GRANDCHILD: 'grandchild',
    GRANDPARENT: 'grandparent',
    SIBLING: 'sibling',
    CHILD_IN_LAW: 'child_in_law',
    OTHER: 'other',
  },
};
