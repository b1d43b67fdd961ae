import type { KeysetRange, ParentRow, Publish } from '@liyuan/kit';
import type {
  Building,
  Grid,
  GridMember,
  Household,
  KeyGroupTag,
  PersonalDataAccess,
  PersonalDataAccessRecord,
  RequestVisibility,
  ScheduledVisit,
  ServiceRequest,
  ServiceRequestChange,
  ServiceRequestStatus,
  ServiceRequestType,
  Visit,
  VisitDue,
  VisitDueNotice,
  Resident,
  ResidentInGrid,
  ResidentQuery,
} from './model';

/** Reads and writes of the registry; implemented in the data layer over one connection or transaction. */
export interface RegistryStore {
  gridsByIds(ids: readonly string[]): Promise<Grid[]>;
  allGrids(): Promise<Grid[]>;
  insertGrid(grid: Grid): Promise<void>;

  buildingsByIds(ids: readonly string[]): Promise<Building[]>;
  /** Households with their buildings, in one read (an address needs both). */
  householdsWithBuildings(
    ids: readonly string[],
  ): Promise<{ household: Household; building: Building | undefined }[]>;
  buildingsOfGrid(gridId: string | undefined): Promise<Building[]>;
  insertBuilding(building: Building): Promise<void>;

  householdsByIds(ids: readonly string[]): Promise<Household[]>;
  /** Locks the household row until the transaction ends (one head per household). */
  lockHousehold(id: string): Promise<Household | undefined>;
  insertHousehold(household: Household): Promise<void>;
  setHouseholdHead(householdId: string, residentId: string | null): Promise<void>;
  householdExists(buildingId: string, unit: string, room: string): Promise<boolean>;

  residentsByIds(ids: readonly string[]): Promise<ResidentInGrid[]>;
  /** Reads the resident and locks its row until the transaction ends. */
  lockResident(id: string): Promise<ResidentInGrid | undefined>;
  residentsOfHouseholds(householdIds: readonly string[]): Promise<Resident[]>;
  /** A page of the matching residents by (name, id). */
  listResidents(query: ResidentQuery, range: KeysetRange): Promise<ResidentInGrid[]>;
  countResidents(query: ResidentQuery): Promise<number>;
  idCardNumberTaken(idCardNumber: string): Promise<boolean>;
  insertResident(resident: Resident): Promise<void>;
  updateResident(resident: Resident): Promise<void>;

  gridMembersByIds(ids: readonly string[]): Promise<GridMember[]>;
  /** Inserts the member unless one with the user id exists; returns the stored member. */
  upsertGridMember(member: GridMember): Promise<GridMember>;
  /** Returns false when the member was already assigned to the grid. */
  assignGridMember(gridId: string, memberId: string): Promise<boolean>;
  membersOfGrids(gridIds: readonly string[]): Promise<{ gridId: string; member: GridMember }[]>;
  gridsOfMembers(memberIds: readonly string[]): Promise<{ memberId: string; grid: Grid }[]>;

  recordPersonalDataAccess(rows: PersonalDataAccess[]): Promise<void>;
  /** Newest first, keyset-paginated on the record's sequence id. */
  listPersonalDataAccess(query: {
    residentId?: string;
    actorUserId?: string;
    from?: Date;
    to?: Date;
    afterId?: string;
    limit: number;
  }): Promise<PersonalDataAccessRecord[]>;

  keyGroupTags(): Promise<KeyGroupTag[]>;
  upsertKeyGroupTag(tag: KeyGroupTag): Promise<void>;
}

/** Visits, the households due one, and scheduled follow-ups. */
export interface VisitStore {
  insertVisit(visit: Visit): Promise<void>;
  /** A page of each household's visits, newest first, in one statement for every household. */
  visitsOfHouseholds(
    householdIds: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<Visit>[]>;
  countVisitsOfHouseholds(householdIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * A page of the households of `gridIds` whose last visit (or registration) plus their strictest
   * cadence is before `asOf`, most overdue first: by (due instant to the millisecond, household id).
   */
  visitsDue(gridIds: string[], asOf: Date, range: KeysetRange): Promise<VisitDue[]>;
  countVisitsDue(gridIds: string[], asOf: Date): Promise<number>;
  /**
   * Records a notice for (at most `limit`) households of every grid that fell due since the watch
   * began and before `asOf` and have none for that due instant yet; returns those it recorded
   * (none that another transaction recorded first).
   */
  noticeNewlyDue(asOf: Date, limit: number): Promise<VisitDueNotice[]>;
  /** Inserts unless the same reason and reference already scheduled the household; returns whether it inserted. */
  insertScheduledVisit(visit: ScheduledVisit): Promise<boolean>;
  lockScheduledVisit(id: string): Promise<ScheduledVisit | undefined>;
  completeScheduledVisit(id: string, visitId: string): Promise<void>;
  /** A page of the scheduled visits of `gridIds` with `status`, soonest first, by (due day, id). */
  scheduledVisits(
    gridIds: string[],
    status: 'scheduled' | 'done',
    range: KeysetRange,
  ): Promise<ScheduledVisit[]>;
  countScheduledVisits(gridIds: string[], status: 'scheduled' | 'done'): Promise<number>;
}

/** One-stop service requests and their history. */
export interface ServiceRequestStore {
  insert(request: ServiceRequest): Promise<void>;
  byIds(ids: readonly string[]): Promise<ServiceRequest[]>;
  lock(id: string): Promise<ServiceRequest | undefined>;
  setStatus(
    id: string,
    status: ServiceRequestStatus,
    referredTo: ServiceRequest['referredTo'],
  ): Promise<void>;
  appendChange(change: Omit<ServiceRequestChange, 'id' | 'at'>): Promise<void>;
  changesOf(requestIds: readonly string[]): Promise<ServiceRequestChange[]>;
  /**
   * A page of each resident's requests that `visible` lets through, newest first (filed instant
   * to the millisecond, id), in one statement for every resident.
   */
  ofResidents(
    residentIds: readonly string[],
    visible: RequestVisibility,
    range: KeysetRange,
  ): Promise<ParentRow<ServiceRequest>[]>;
  countOfResidents(
    residentIds: readonly string[],
    visible: RequestVisibility,
  ): Promise<Map<string, number>>;
  /** A page of the matching requests, newest first, by (filed instant to the millisecond, id). */
  list(query: ServiceRequestQuery, range: KeysetRange): Promise<ServiceRequest[]>;
  count(query: ServiceRequestQuery): Promise<number>;
}

/** Filters of a service request listing, already validated and narrowed to what the caller sees. */
export interface ServiceRequestQuery {
  gridIds?: string[];
  residentId?: string;
  status?: ServiceRequestStatus;
  type?: ServiceRequestType;
}

/** One transaction: the stores bound to it and the outbox writer. */
export interface Tx {
  store: RegistryStore;
  visits: VisitStore;
  requests: ServiceRequestStore;
  publish: Publish;
}

/** Runs `work` in one transaction; the domain change and its events commit together or not at all. */
export type RunInTransaction = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
