import { z } from 'zod';
import { defineEvent } from './envelope';

/** Topics the residents service publishes to, one per aggregate. */
export const RESIDENTS_TOPICS = {
  resident: 'residents.resident.v1',
  household: 'residents.household.v1',
  building: 'residents.building.v1',
  grid: 'residents.grid.v1',
  visit: 'residents.visit.v1',
  serviceRequest: 'residents.service-request.v1',
} as const;

const id = z.uuid();
const date = z.iso.date();

export const ResidentRegistered = defineEvent('ResidentRegistered', RESIDENTS_TOPICS.resident, {
  residentId: id,
  householdId: id,
  gridId: id,
  status: z.enum(['active', 'moved_out', 'deceased']),
  residencyType: z.enum(['registered', 'permanent', 'floating']),
  tags: z.array(z.string()),
});

export const ResidentUpdated = defineEvent('ResidentUpdated', RESIDENTS_TOPICS.resident, {
  residentId: id,
  householdId: id,
  gridId: id,
  /** Names of the fields that changed (values of personal fields are never carried). */
  changed: z.array(z.string()).min(1),
});

export const ResidentMovedOut = defineEvent('ResidentMovedOut', RESIDENTS_TOPICS.resident, {
  residentId: id,
  householdId: id,
  gridId: id,
  movedOutOn: date,
});

export const HouseholdRegistered = defineEvent('HouseholdRegistered', RESIDENTS_TOPICS.household, {
  householdId: id,
  buildingId: id,
  gridId: id,
});

export const BuildingRegistered = defineEvent('BuildingRegistered', RESIDENTS_TOPICS.building, {
  buildingId: id,
  gridId: id,
});

export const GridCreated = defineEvent('GridCreated', RESIDENTS_TOPICS.grid, {
  gridId: id,
  parentId: id.nullable(),
});

export const GridMemberAssigned = defineEvent('GridMemberAssigned', RESIDENTS_TOPICS.grid, {
  gridId: id,
  gridMemberId: id,
  userId: z.string().min(1),
});

export const ResidentTagged = defineEvent('ResidentTagged', RESIDENTS_TOPICS.resident, {
  residentId: id,
  householdId: id,
  gridId: id,
  tag: z.string().min(1),
});

export const ResidentUntagged = defineEvent('ResidentUntagged', RESIDENTS_TOPICS.resident, {
  residentId: id,
  householdId: id,
  gridId: id,
  tag: z.string().min(1),
});

/** A grid member's visit to a household (notes stay in the registry: they may be personal). */
export const VisitRecorded = defineEvent('VisitRecorded', RESIDENTS_TOPICS.visit, {
  visitId: id,
  householdId: id,
  residentId: id.nullable(),
  gridId: id,
  visitedAt: z.iso.datetime({ offset: true }),
  followUpNeeded: z.boolean(),
});

/** A visit scheduled for a household: a follow-up after a visit or after a mediation agreement. */
export const FollowUpVisitScheduled = defineEvent(
  'FollowUpVisitScheduled',
  RESIDENTS_TOPICS.visit,
  {
    scheduledVisitId: id,
    householdId: id,
    gridId: id,
    reason: z.enum(['follow_up', 'mediation_follow_up']),
    referenceId: z.string().nullable(),
    dueOn: date,
  },
);

export const SERVICE_REQUEST_TYPES = [
  'social_insurance',
  'medical_insurance',
  'dispute',
  'facility_fault',
  'fraud_report',
  'other',
] as const;

/**
 * A one-stop service request was filed. Mediation opens a case for a `dispute`, facilities a
 * repair order for a `facility_fault`; the description stays in the registry.
 */
export const ServiceRequestFiled = defineEvent(
  'ServiceRequestFiled',
  RESIDENTS_TOPICS.serviceRequest,
  {
    requestId: id,
    residentId: id,
    householdId: id,
    gridId: id,
    type: z.enum(SERVICE_REQUEST_TYPES),
  },
);

/** A service request reached an end: resolved at the hall, rejected, or referred to its owning service. */
export const ServiceRequestResolved = defineEvent(
  'ServiceRequestResolved',
  RESIDENTS_TOPICS.serviceRequest,
  {
    requestId: id,
    residentId: id,
    type: z.enum(SERVICE_REQUEST_TYPES),
    outcome: z.enum(['resolved', 'rejected', 'referred']),
    referredTo: z.enum(['mediation', 'facilities']).nullable(),
  },
);

/**
 * A household of the grid fell due a routine visit (its last visit, or its registration, plus the
 * strictest cadence of its residents' key-group tags passed): once per due instant, whatever the
 * number of residents' replicas. What the grid's live views follow; nothing consumes it between
 * services. No tags (they say who is disabled or low-income), no names.
 */
export const VisitFellDue = defineEvent('VisitFellDue', RESIDENTS_TOPICS.visit, {
  householdId: id,
  gridId: id,
  dueAt: z.iso.datetime({ offset: true }),
  cadenceDays: z.number().int().positive(),
});

export const SERVICE_REQUEST_STATUSES = [
  'filed',
  'in_progress',
  'resolved',
  'referred',
  'rejected',
] as const;

/**
 * A service request moved from one status to another (taken up, resolved, rejected, referred):
 * what the grid's live views follow. Nothing consumes it between services.
 */
export const ServiceRequestStatusChanged = defineEvent(
  'ServiceRequestStatusChanged',
  RESIDENTS_TOPICS.serviceRequest,
  {
    requestId: id,
    residentId: id,
    gridId: id,
    from: z.enum(SERVICE_REQUEST_STATUSES),
    to: z.enum(SERVICE_REQUEST_STATUSES),
  },
);

export const residentsEvents = [
  ResidentTagged,
  ResidentUntagged,
  VisitRecorded,
  FollowUpVisitScheduled,
  ServiceRequestFiled,
  ServiceRequestResolved,
  ServiceRequestStatusChanged,
  VisitFellDue,
  ResidentRegistered,
  ResidentUpdated,
  ResidentMovedOut,
  HouseholdRegistered,
  BuildingRegistered,
  GridCreated,
  GridMemberAssigned,
] as const;
