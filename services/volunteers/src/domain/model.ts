/** Volunteers as plain values. */
import type { Page } from '@liyuan/kit';

export const TEAM_KINDS = [
  'party_members',
  'grid_members',
  'volunteers',
  'industry_associations',
  'repair',
  'group',
] as const;
export const OPPORTUNITY_KINDS = [
  'hygiene_drive',
  'fraud_prevention',
  'elderly_visits',
  'equipment_repair',
  'activity_staffing',
  'other',
] as const;
export type TeamKind = (typeof TEAM_KINDS)[number];
export type OpportunityKind = (typeof OPPORTUNITY_KINDS)[number];
/** Volunteering, or moved out of the community. */
export const VOLUNTEER_STATUSES = ['active', 'inactive'] as const;
export type VolunteerStatus = (typeof VOLUNTEER_STATUSES)[number];
/** Logged hours wait for a lead's approval; approved hours earn points. */
export const SERVICE_RECORD_STATUSES = ['pending', 'approved'] as const;
export type ServiceRecordStatus = (typeof SERVICE_RECORD_STATUSES)[number];

export interface Team {
  id: string;
  name: string;
  kind: TeamKind;
  leadUserId: string;
}
export interface Volunteer {
  id: string;
  residentId: string;
  skills: string[];
  availability: string;
  status: VolunteerStatus;
}
export interface Opportunity {
  id: string;
  teamId: string | null;
  kind: OpportunityKind;
  title: string;
  facilityId: string | null;
  /** The start of its first shift. */
  startsAt: Date;
  /** The end of its last shift. */
  endsAt: Date;
  /** Slots in all its shifts. */
  slots: number;
  status: 'open' | 'cancelled';
}
/** One time slot of an opportunity, with its own slots; volunteers sign up for a shift. */
export interface Shift {
  id: string;
  opportunityId: string;
  startsAt: Date;
  endsAt: Date;
  slots: number;
}
export interface ServiceRecord {
  id: string;
  volunteerId: string;
  opportunityId: string | null;
  shiftId: string | null;
  activityId: string | null;
  teamId: string | null;
  hours: number;
  servedOn: Date;
  status: ServiceRecordStatus;
}

/** A resident's approved hours in a period. */
export interface LeaderboardEntry {
  residentId: string;
  hours: number;
}

export type OpportunityPage = Page<Opportunity>;
export type LeaderboardPage = Page<LeaderboardEntry>;
export type ServiceRecordPage = Page<ServiceRecord>;
export type ShiftPage = Page<Shift>;

/** A volunteer's logged hours: approved, and waiting for approval. */
export interface Hours {
  approved: number;
  pending: number;
}
