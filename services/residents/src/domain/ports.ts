import type { EventContract } from '@liyuan/schemas';
import type { z } from 'zod';
import type {
  Building,
  Grid,
  GridMember,
  Household,
  PersonalDataAccess,
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
  listResidents(query: ResidentQuery): Promise<ResidentInGrid[]>;
  countResidents(query: Omit<ResidentQuery, 'after' | 'limit'>): Promise<number>;
  idCardNumberTaken(idCardNumber: string): Promise<boolean>;
  insertResident(resident: Resident): Promise<void>;
  updateResident(resident: Resident): Promise<void>;

  gridMembersByIds(ids: readonly string[]): Promise<GridMember[]>;
  gridMemberByUserId(userId: string): Promise<GridMember | undefined>;
  insertGridMember(member: GridMember): Promise<void>;
  /** Returns false when the member was already assigned to the grid. */
  assignGridMember(gridId: string, memberId: string): Promise<boolean>;
  membersOfGrids(gridIds: readonly string[]): Promise<{ gridId: string; member: GridMember }[]>;
  gridsOfMembers(memberIds: readonly string[]): Promise<{ memberId: string; grid: Grid }[]>;

  recordPersonalDataAccess(rows: PersonalDataAccess[]): Promise<void>;
}

/** Publishes an event through the outbox of the current transaction. */
export type Publish = <T extends EventContract>(
  contract: T,
  aggregateId: string,
  data: z.input<T['data']>,
) => Promise<void>;

/** One transaction: the store bound to it and the outbox writer. */
export interface Tx {
  store: RegistryStore;
  publish: Publish;
}

/** Runs `work` in one transaction; the domain change and its events commit together or not at all. */
export type RunInTransaction = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
