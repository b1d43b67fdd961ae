import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/**
 * Dates travel as YYYY-MM-DD strings. Parsing is lenient on purpose: the use cases validate the
 * value and answer with BAD_USER_INPUT naming the exact input field.
 */
export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  serialize: (value) => String(value),
  parseValue: (value) => {
    if (typeof value !== 'string') throw new GraphQLError('Date must be a string YYYY-MM-DD');
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Date must be a string YYYY-MM-DD');
    return ast.value;
  },
});

/** Instants travel as ISO-8601 strings; like dates, input is validated by the use cases. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) =>
    value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString(),
  parseValue: (value) => {
    if (typeof value !== 'string') throw new GraphQLError('DateTime must be an ISO-8601 string');
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return ast.value;
  },
});

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
