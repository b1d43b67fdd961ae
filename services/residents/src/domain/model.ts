/** The registry as the domain sees it: plain values, no ORM and no GraphQL. */

import type { Caller, Page } from '@liyuan/kit';
import { SERVICE_REQUEST_STATUSES } from '@liyuan/schemas';

export const GENDERS = ['male', 'female'] as const;
export type Gender = (typeof GENDERS)[number];

export const RESIDENCY_TYPES = ['registered', 'permanent', 'floating'] as const;
export type ResidencyType = (typeof RESIDENCY_TYPES)[number];

export const RESIDENT_STATUSES = ['active', 'moved_out', 'deceased'] as const;
export type ResidentStatus = (typeof RESIDENT_STATUSES)[number];

export const RELATIONSHIPS = [
  'head',
  'spouse',
  'child',
  'parent',
  'grandchild',
  'grandparent',
  'sibling',
  'child_in_law',
  'other',
] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

export interface Grid {
  id: string;
  name: string;
  parentId: string | null;
}

export interface Building {
  id: string;
  name: string;
  address: string;
  gridId: string;
}

export interface Household {
  id: string;
  buildingId: string;
  gridId: string;
  unit: string;
  room: string;
  headResidentId: string | null;
}

export interface Resident {
  id: string;
  householdId: string;
  name: string;
  gender: Gender;
  birthDate: string;
  idCardNumber: string;
  phone: string | null;
  residencyType: ResidencyType;
  status: ResidentStatus;
  relationshipToHead: Relationship;
  tags: string[];
  movedOutOn: string | null;
  registeredAt: Date;
}

/** A resident with the grid of their household, which decides who may see and manage them. */
export interface ResidentInGrid extends Resident {
  gridId: string;
}

export interface GridMember {
  id: string;
  userId: string;
  name: string;
}

/** Listing filters, already validated. */
export interface ResidentQuery {
  gridIds?: string[];
  tag?: string;
  status?: ResidentStatus;
  bornOnOrAfter?: string;
  bornOnOrBefore?: string;
  name?: string;
  onlyResidentId?: string;
}

/** One unmasked read of a personal field, as audited (the value itself is never recorded). */
export interface PersonalDataAccess {
  actorUserId: string;
  actorRoles: string[];
  residentId: string;
  field: string;
  purpose: string;
  requestId: string;
}

/** A key-group tag and how often a household with it is visited (null: no routine visits). */
export interface KeyGroupTag {
  code: string;
  name: string;
  visitCadenceDays: number | null;
}

export interface Visit {
  id: string;
  householdId: string;
  residentId: string | null;
  gridId: string;
  visitorUserId: string;
  visitedAt: Date;
  notes: string;
  followUpNeeded: boolean;
  scheduledVisitId: string | null;
}

/** A household whose last visit is older than the strictest cadence of its residents' tags. */
export interface VisitDue {
  householdId: string;
  gridId: string;
  tags: string[];
  cadenceDays: number;
  lastVisitedAt: Date | null;
  dueAt: Date;
}

/** A household noticed falling due a routine visit at `dueAt` (the visits-due watch). */
export interface VisitDueNotice {
  householdId: string;
  gridId: string;
  dueAt: Date;
  cadenceDays: number;
}

export const SCHEDULED_VISIT_REASONS = ['follow_up', 'mediation_follow_up'] as const;
export const SCHEDULED_VISIT_STATUSES = ['scheduled', 'done'] as const;
export type ScheduledVisitStatus = (typeof SCHEDULED_VISIT_STATUSES)[number];
export type ScheduledVisitReason = (typeof SCHEDULED_VISIT_REASONS)[number];

export interface ScheduledVisit {
  id: string;
  householdId: string;
  gridId: string;
  reason: ScheduledVisitReason;
  referenceId: string | null;
  dueOn: string;
  status: ScheduledVisitStatus;
  visitId: string | null;
}

export const SERVICE_REQUEST_TYPES = [
  'social_insurance',
  'medical_insurance',
  'dispute',
  'facility_fault',
  'fraud_report',
  'other',
] as const;
export type ServiceRequestType = (typeof SERVICE_REQUEST_TYPES)[number];

export { SERVICE_REQUEST_STATUSES };
export type ServiceRequestStatus = (typeof SERVICE_REQUEST_STATUSES)[number];

export interface ServiceRequest {
  id: string;
  residentId: string;
  householdId: string;
  gridId: string;
  type: ServiceRequestType;
  description: string;
  status: ServiceRequestStatus;
  referredTo: 'mediation' | 'facilities' | null;
  filedBy: string;
  filedAt: Date;
  updatedAt: Date;
}

export interface ServiceRequestChange {
  id: string;
  requestId: string;
  from: ServiceRequestStatus | null;
  to: ServiceRequestStatus;
  actor: string;
  note: string | null;
  at: Date;
}

/** An audited read, as the admin's audit query returns it. */
export interface PersonalDataAccessRecord extends PersonalDataAccess {
  id: string;
  purpose: string;
  accessedAt: Date;
}

/**
 * Which service requests a caller may read, as a listing filters them: every request, or those of
 * the grids they look after and those filed for themself.
 */
export type RequestVisibility =
  { all: true } | { all: false; gridIds: string[]; residentId: string | null };

/** The signed-in caller as `Query.me` answers it: who they are and what they may do. */
export type Viewer = Caller;

export type ResidentPage = Page<ResidentInGrid>;
export type VisitPage = Page<Visit>;
export type VisitDuePage = Page<VisitDue>;
export type ScheduledVisitPage = Page<ScheduledVisit>;
export type ServiceRequestPage = Page<ServiceRequest>;
