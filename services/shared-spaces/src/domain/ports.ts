import type { KeysetRange, KnownResidentStatus, Publish } from '@liyuan/kit';
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
  membersOfBranches(branchIds: readonly string[]): Promise<Member[]>;
  transferMember(residentId: string): Promise<number>;
  insertSpace(s: Space): Promise<void>;
  spacesByIds(ids: readonly string[]): Promise<Space[]>;
  allSpaces(): Promise<Space[]>;
  spacesOfFacilities(facilityIds: readonly string[]): Promise<Space[]>;
  insertActivity(a: Activity): Promise<void>;
  activitiesByIds(ids: readonly string[]): Promise<Activity[]>;
  lockActivity(id: string): Promise<Activity | undefined>;
  setActivityStatus(id: string, status: ActivityStatus, reason?: string | null): Promise<void>;
  upcoming(
    after: Date,
    filter?: { spaceIds?: readonly string[]; facilityIds?: readonly string[] },
  ): Promise<Activity[]>;
  /** A page of the activities not started by `now`, soonest first (start to the millisecond, id), after the cursor's. */
  upcomingPage(now: Date, range: KeysetRange): Promise<Activity[]>;
  countUpcoming(now: Date): Promise<number>;
  activitiesOfSpaces(spaceIds: readonly string[]): Promise<Activity[]>;
  registeredCounts(activityIds: readonly string[]): Promise<Map<string, number>>;
  registrationStatus(activityId: string, residentId: string): Promise<string | undefined>;
  register(activityId: string, residentId: string): Promise<void>;
  setRegistration(
    activityId: string,
    residentId: string,
    status: 'cancelled' | 'checked_in',
  ): Promise<void>;
  checkedIn(activityId: string): Promise<string[]>;
  cancelFutureRegistrationsOf(residentId: string, after: Date): Promise<number>;
  attendedBy(residentIds: readonly string[]): Promise<{ residentId: string; activity: Activity }[]>;
  /** Appends a points entry unless the same member, reason and reference already earned it. */
  credit(e: Omit<PointsEntry, 'at'>): Promise<boolean>;
  ledgerOf(memberIds: readonly string[]): Promise<PointsEntry[]>;
}

/** The store bound to one transaction, and its outbox writer. */
export interface Tx {
  store: SpacesStore;
  publish: Publish;
}

export type RunInTransaction = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
