import type { KeysetRange, KnownResidentStatus, ParentRow, Publish } from '@liyuan/kit';
import type { Activity, ActivityStatus, Branch, Member, PointsEntry, Space } from './model';

/** Reads and writes of the shared-spaces database over one connection or transaction. */
export interface SpacesStore {
  /** The registry status of each resident the residents' events announced (others are absent). */
  knownResidents(ids: readonly string[]): Promise<Map<string, KnownResidentStatus>>;
  /** Whether facilities announced the facility (FacilityAdded). */
  knownFacility(facilityId: string): Promise<boolean>;
  insertBranch(b: Branch): Promise<void>;
  branchesByIds(ids: readonly string[]): Promise<Branch[]>;
  allBranches(): Promise<Branch[]>;
  /** Inserts unless the resident is already a member; returns whether it inserted. */
  insertMember(m: Member): Promise<boolean>;
  membersByIds(ids: readonly string[]): Promise<Member[]>;
  membersOfResidents(residentIds: readonly string[]): Promise<Member[]>;
  /**
   * A page of each branch's roster, earliest joined first (join date, id), after the cursor's, at
   * most `range.limit` per branch, in one statement; only the memberships of `residentIds` when
   * given.
   */
  membersOfBranches(
    branchIds: readonly string[],
    range: KeysetRange,
    residentIds?: readonly string[],
  ): Promise<ParentRow<Member>[]>;
  /** How many members each branch has (of `residentIds` when given), in one statement. */
  countMembersOfBranches(
    branchIds: readonly string[],
    residentIds?: readonly string[],
  ): Promise<Map<string, number>>;
  transferMember(residentId: string): Promise<number>;
  insertSpace(s: Space): Promise<void>;
  spacesByIds(ids: readonly string[]): Promise<Space[]>;
  allSpaces(): Promise<Space[]>;
  spacesOfFacilities(facilityIds: readonly string[]): Promise<Space[]>;
  insertActivity(a: Activity): Promise<void>;
  activitiesByIds(ids: readonly string[]): Promise<Activity[]>;
  lockActivity(id: string): Promise<Activity | undefined>;
  setActivityStatus(id: string, status: ActivityStatus, reason?: string | null): Promise<void>;
  /**
   * A page of the activities not started by `now` in each facility, soonest first (start to the
   * millisecond, id), after the cursor's, at most `range.limit` per facility, in one statement.
   */
  upcomingAtFacilities(
    facilityIds: readonly string[],
    now: Date,
    range: KeysetRange,
  ): Promise<ParentRow<Activity>[]>;
  countUpcomingAtFacilities(
    facilityIds: readonly string[],
    now: Date,
  ): Promise<Map<string, number>>;
  /** A page of the activities not started by `now`, soonest first (start to the millisecond, id), after the cursor's. */
  upcomingPage(now: Date, range: KeysetRange): Promise<Activity[]>;
  countUpcoming(now: Date): Promise<number>;
  /**
   * A page of each space's activities, soonest first (start to the millisecond, id), after the
   * cursor's, at most `range.limit` per space, in one statement.
   */
  activitiesOfSpaces(
    spaceIds: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<Activity>[]>;
  countActivitiesOfSpaces(spaceIds: readonly string[]): Promise<Map<string, number>>;
  registeredCounts(activityIds: readonly string[]): Promise<Map<string, number>>;
  registrationStatus(activityId: string, residentId: string): Promise<string | undefined>;
  register(activityId: string, residentId: string): Promise<void>;
  setRegistration(
    activityId: string,
    residentId: string,
    status: 'cancelled' | 'checked_in',
  ): Promise<void>;
  checkedIn(activityId: string): Promise<string[]>;
  /** Cancels the resident's registrations for activities starting after `after`; returns those activities' ids. */
  cancelFutureRegistrationsOf(residentId: string, after: Date): Promise<string[]>;
  /**
   * A page of the completed activities each resident was checked in to, latest first (start to the
   * millisecond, id), after the cursor's, at most `range.limit` per resident, in one statement.
   */
  attendedBy(residentIds: readonly string[], range: KeysetRange): Promise<ParentRow<Activity>[]>;
  countAttendedBy(residentIds: readonly string[]): Promise<Map<string, number>>;
  /** Appends a points entry unless the same member, reason and reference already earned it. */
  credit(e: Omit<PointsEntry, 'id' | 'at'>): Promise<boolean>;
  /**
   * A page of each member's points ledger, newest first (entry id), after the cursor's, at most
   * `range.limit` per member, in one statement.
   */
  ledgerOf(
    memberIds: readonly string[],
    range: KeysetRange<readonly [string]>,
  ): Promise<ParentRow<PointsEntry>[]>;
  countLedgers(memberIds: readonly string[]): Promise<Map<string, number>>;
  /** Each member's points balance (members without entries are absent). */
  pointsOf(memberIds: readonly string[]): Promise<Map<string, number>>;
}

/** The store bound to one transaction, and its outbox writer. */
export interface Tx {
  store: SpacesStore;
  publish: Publish;
}

export type RunInTransaction = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
