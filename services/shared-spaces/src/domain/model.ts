/** Shared spaces as plain values: no ORM, no GraphQL. */
import type { Page } from '@liyuan/kit';

export const THEMES = [
  'party_and_masses',
  'elderly_care',
  'parent_child',
  'culture_and_entertainment',
  'reading',
  'health',
  'legal_aid',
  'youth',
  'volunteer_service',
  'neighbourhood',
] as const;
export type Theme = (typeof THEMES)[number];
export const ACTIVITY_STATUSES = [
  'planned',
  'confirmed',
  'venue_rejected',
  'completed',
  'cancelled',
] as const;
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];

export interface Branch {
  id: string;
  name: string;
  kind: 'community' | 'courtyard';
}
export interface Member {
  id: string;
  residentId: string;
  branchId: string;
  joinedOn: string;
  reportedToCommunity: boolean;
  servicePost: string | null;
  status: 'active' | 'transferred';
}
export interface Space {
  id: string;
  name: string;
  theme: Theme;
  facilityId: string;
}
export interface Activity {
  id: string;
  spaceId: string;
  facilityId: string;
  title: string;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  status: ActivityStatus;
  venueRejectionReason: string | null;
  organiser: string;
}
export interface PointsEntry {
  memberId: string;
  delta: number;
  reason: 'attendance' | 'service';
  reference: string;
  at: Date;
}

export type ActivityPage = Page<Activity>;
