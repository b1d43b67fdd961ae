import type { KnownResidentStatus, Publish } from '@liyuan/kit';
import type { Opportunity, ServiceRecord, Shift, Team, Volunteer } from './model';

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
  openOpportunities(after: Date): Promise<Opportunity[]>;
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
  /** The shifts each volunteer is signed up for (not cancelled) ending after `after`, soonest first. */
  upcomingShiftsOf(
    volunteerIds: readonly string[],
    after: Date,
  ): Promise<{ volunteerId: string; shift: Shift }[]>;
  cancelFutureSignupsOf(volunteerId: string, after: Date): Promise<number>;
  insertRecord(r: ServiceRecord): Promise<boolean>;
  lockRecord(id: string): Promise<ServiceRecord | undefined>;
  approveRecord(id: string, by: string): Promise<void>;
  recordsOfVolunteers(ids: readonly string[]): Promise<ServiceRecord[]>;
  /** The latest balance of each volunteer (0 without entries). */
  balances(volunteerIds: readonly string[]): Promise<Map<string, number>>;
  /** Appends an entry computed from the current balance; the caller holds the volunteer's row lock. */
  appendBank(
    volunteerId: string,
    delta: number,
    reason: 'earned' | 'redeemed',
    reference: string,
  ): Promise<number>;
  /** Top 20 by approved hours in [from, to), of one grid's residents when `gridId` is given. */
  leaderboard(
    from: Date,
    to: Date,
    gridId?: string | null,
  ): Promise<{ volunteerId: string; residentId: string; hours: number }[]>;
}

/** The store bound to one transaction, and its outbox writer. */
export interface Tx {
  store: VolunteersStore;
  publish: Publish;
}

export type RunInTransaction = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
