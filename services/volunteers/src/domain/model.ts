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

export interface Team {
  id: string;
  name: string;
  kind: string;
  leadUserId: string;
}
export interface Volunteer {
  id: string;
  residentId: string;
  skills: string[];
  availability: string;
  status: 'active' | 'inactive';
}
export interface Opportunity {
  id: string;
  teamId: string | null;
  kind: string;
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
  status: 'pending' | 'approved';
}

/** A resident's approved hours in a period. */
export interface LeaderboardEntry {
  residentId: string;
  hours: number;
}

export type OpportunityPage = Page<Opportunity>;
export type LeaderboardPage = Page<LeaderboardEntry>;
