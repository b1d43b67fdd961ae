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
/** The community's own party branch, or a residential courtyard's. */
export const BRANCH_KINDS = ['community', 'courtyard'] as const;
export type BranchKind = (typeof BRANCH_KINDS)[number];
/** A member of their branch, or transferred out of it (moved out of the community). */
export const MEMBER_STATUSES = ['active', 'transferred'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
/** What earns a party member points: attending an activity, approved volunteer service. */
export const POINTS_REASONS = ['attendance', 'service'] as const;
export type PointsReason = (typeof POINTS_REASONS)[number];

export interface Branch {
  id: string;
  name: string;
  kind: BranchKind;
}
export interface Member {
  id: string;
  residentId: string;
  branchId: string;
  joinedOn: string;
  reportedToCommunity: boolean;
  servicePost: string | null;
  status: MemberStatus;
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
  /** The ledger's row id (a serial number: later entries have greater ids). */
  id: string;
  memberId: string;
  delta: number;
  reason: PointsReason;
  reference: string;
  at: Date;
}

export type ActivityPage = Page<Activity>;
export type MemberPage = Page<Member>;
export type PointsEntryPage = Page<PointsEntry>;
