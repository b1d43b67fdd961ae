import type { KeysetRange, KnownResidentStatus, ParentRow, Publish } from '@liyuan/kit';
import type {
  Hours,
  LeaderboardEntry,
  Opportunity,
  ServiceRecord,
  Shift,
  Team,
  Volunteer,
} from './model';

/** The period and, optionally, the grid of a leaderboard. */
export interface LeaderboardListing {
  from: Date;
  to: Date;
  gridId: string | null;
}

/** Reads and writes of the volunteers database over one connection or transaction. */
export interface VolunteersStore {
  insertTeam(t: Team): Promise<void>;
  teamsByIds(ids: readonly string[]): Promise<Team[]>;
  allTeams(): Promise<Team[]>;
  /** Whether facilities announced the facility (FacilityAdded). */
  knownFacility(facilityId: string): Promise<boolean>;
  repairTeam(): Promise<Team | undefined>;
  addMember(teamId: string, volunteerId: string): Promise<void>;
  teamsOfVolunteers(ids: readonly string[]): Promise<{ volunteerId: string; team: Team }[]>;
  /** The registry status of each resident the residents' events announced (others are absent). */
  knownResidents(ids: readonly string[]): Promise<Map<string, KnownResidentStatus>>;
  insertVolunteer(v: Volunteer): Promise<boolean>;
  volunteersByIds(ids: readonly string[]): Promise<Volunteer[]>;
  volunteersOfResidents(residentIds: readonly string[]): Promise<Volunteer[]>;
  lockVolunteerOfResident(residentId: string): Promise<Volunteer | undefined>;
  deactivate(residentId: string): Promise<Volunteer | undefined>;
  /**
   * Inserts the opportunity and its shifts unless an opportunity with the same source reference
   * exists; returns whether it inserted.
   */
  insertOpportunity(
    o: Opportunity,
    shifts: readonly Shift[],
    sourceRef: string | null,
  ): Promise<boolean>;
  opportunitiesByIds(ids: readonly string[]): Promise<Opportunity[]>;
  /** A page of the opportunities open and not over at `now`, soonest first (start to the millisecond, id). */
  openOpportunities(now: Date, range: KeysetRange): Promise<Opportunity[]>;
  countOpenOpportunities(now: Date): Promise<number>;
  opportunityBySource(sourceRef: string): Promise<Opportunity | undefined>;
  shiftsOfOpportunities(ids: readonly string[]): Promise<Shift[]>;
  shiftsByIds(ids: readonly string[]): Promise<Shift[]>;
  /** The shift, locked (sign-ups to it wait), with its opportunity. */
  lockShift(id: string): Promise<{ shift: Shift; opportunity: Opportunity } | undefined>;
  /** Slots taken (sign-ups not cancelled) of each shift. */
  takenOfShifts(ids: readonly string[]): Promise<Map<string, number>>;
  /** Whether the volunteer holds a sign-up (not cancelled) for a shift overlapping [from, to). */
  overlappingSignup(volunteerId: string, from: Date, to: Date): Promise<boolean>;
  signUp(id: string, shift: Shift, volunteerId: string): Promise<void>;
  signupOf(
    shiftId: string,
    volunteerId: string,
  ): Promise<{ id: string; status: string; checkedInAt: Date | null } | undefined>;
  setSignup(shiftId: string, volunteerId: string, status: string): Promise<void>;
  /**
   * A page of the shifts each volunteer is signed up for (not cancelled) ending after `now`,
   * soonest first (start to the millisecond, id), after the cursor's, at most `range.limit` per
   * volunteer, in one statement.
   */
  upcomingShiftsOf(
    volunteerIds: readonly string[],
    now: Date,
    range: KeysetRange,
  ): Promise<ParentRow<Shift>[]>;
  countUpcomingShiftsOf(volunteerIds: readonly string[], now: Date): Promise<Map<string, number>>;
  /** Cancels the volunteer's sign-ups for shifts starting after `after`; returns those shifts' ids. */
  cancelFutureSignupsOf(volunteerId: string, after: Date): Promise<string[]>;
  insertRecord(r: ServiceRecord): Promise<boolean>;
  lockRecord(id: string): Promise<ServiceRecord | undefined>;
  recordsByIds(ids: readonly string[]): Promise<ServiceRecord[]>;
  approveRecord(id: string, by: string): Promise<void>;
  /**
   * A page of each volunteer's service records, newest first (time served to the millisecond, id),
   * after the cursor's, at most `range.limit` per volunteer, in one statement.
   */
  recordsOfVolunteers(
    ids: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<ServiceRecord>[]>;
  countRecordsOfVolunteers(ids: readonly string[]): Promise<Map<string, number>>;
  /** Each volunteer's approved and pending hours (volunteers without records are absent). */
  hoursOf(ids: readonly string[]): Promise<Map<string, Hours>>;
  /** The latest balance of each volunteer (0 without entries). */
  balances(volunteerIds: readonly string[]): Promise<Map<string, number>>;
  /** Appends an entry computed from the current balance; the caller holds the volunteer's row lock. */
  appendBank(
    volunteerId: string,
    delta: number,
    reason: 'earned' | 'redeemed',
    reference: string,
  ): Promise<number>;
  /**
   * A page of residents by approved hours in [from, to) (most first, then resident id), of one
   * grid's residents when `gridId` is given, after the cursor's (hours, resident id).
   */
  leaderboard(
    listing: LeaderboardListing,
    range: KeysetRange<readonly [number, string]>,
  ): Promise<LeaderboardEntry[]>;
  countLeaderboard(listing: LeaderboardListing): Promise<number>;
}

/** The store bound to one transaction, and its outbox writer. */
export interface Tx {
  store: VolunteersStore;
  publish: Publish;
}

export type RunInTransaction = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
