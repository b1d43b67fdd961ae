import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ResidentMovedOut,
  ResidentRegistered,
  ResidentUpdated,
  HouseholdRegistered,
  BuildingRegistered,
  GridCreated,
  GridMemberAssigned,
} from '@liyuan/schemas';
import { badInput, conflict, forbidden, notFound, parseInput, type Caller } from '@liyuan/kit';
import { canRead, requireManage, requireStaff, visibleGrids } from './access';
import { ageOn, isIsoDate, shift, today } from './dates';
import {
  GENDERS,
  RELATIONSHIPS,
  RESIDENCY_TYPES,
  RESIDENT_STATUSES,
  type Building,
  type Grid,
  type GridMember,
  type Household,
  type Resident,
  type ResidentInGrid,
} from './model';
import { birthDateOfIdCard, isValidIdCardNumber, isValidPhone } from './personal-data';
import type { RegistryStore, RunInTransaction } from './ports';

const uuid = z.uuid('must be a valid id');
const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const isoDate = z.string().refine(isIsoDate, 'must be a date written YYYY-MM-DD');
const phone = z.string().trim().refine(isValidPhone, 'must be an 11-digit mobile number');
const tag = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'tags are lower_snake_case');
const tags = z
  .array(tag)
  .max(20)
  .transform((t) => [...new Set(t)]);

const createGridInput = z.object({ name: text(100), parentId: uuid.nullish() });
const registerBuildingInput = z.object({ name: text(100), address: text(200), gridId: uuid });
const registerHouseholdInput = z.object({
  buildingId: uuid,
  unit: text(20),
  room: text(20),
  gridId: uuid.nullish(),
});
const registerResidentInput = z.object({
  householdId: uuid,
  name: text(50),
  gender: z.enum(GENDERS),
  birthDate: isoDate,
  idCardNumber: z
    .string()
    .trim()
    .toUpperCase()
    .refine(isValidIdCardNumber, 'must be an 18-character ID-card number with a valid check digit'),
  phone: phone.nullish(),
  residencyType: z.enum(RESIDENCY_TYPES),
  relationshipToHead: z.enum(RELATIONSHIPS),
  tags: tags.nullish(),
});
const updateResidentInput = z
  .object({
    name: text(50).nullish(),
    phone: phone.nullish(),
    residencyType: z.enum(RESIDENCY_TYPES).nullish(),
    relationshipToHead: z.enum(RELATIONSHIPS).nullish(),
    tags: tags.nullish(),
  })
  .refine(
    (v) => Object.values(v).some((x) => x !== undefined && x !== null),
    'must change at least one field',
  );
const moveOutInput = z.object({ residentId: uuid, movedOutOn: isoDate });
const assignGridMemberInput = z.object({ gridId: uuid, userId: text(100), name: text(50) });
const residentFilter = z
  .object({
    gridId: uuid.nullish(),
    tag: tag.nullish(),
    status: z.enum(RESIDENT_STATUSES).nullish(),
    minAge: z.number().int().min(0).max(150).nullish(),
    maxAge: z.number().int().min(0).max(150).nullish(),
    name: text(50).nullish(),
  })
  .refine((f) => f.minAge == null || f.maxAge == null || f.minAge <= f.maxAge, {
    message: 'minAge must not exceed maxAge',
    path: ['minAge'],
  });

export type RegisterResidentInput = z.input<typeof registerResidentInput>;
export type UpdateResidentInput = z.input<typeof updateResidentInput>;

/** A page of residents and how to continue. */
export interface ResidentPage {
  items: ResidentInGrid[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}

/** Encodes a listing position (name, id) as an opaque cursor. */
export const encodeCursor = (r: { name: string; id: string }): string =>
  Buffer.from(JSON.stringify([r.name, r.id])).toString('base64url');

function decodeCursor(cursor: string): { name: string; id: string } {
  try {
    const [name, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof name === 'string' && typeof id === 'string' && uuid.safeParse(id).success)
      return { name, id };
  } catch {
    // fall through to the error below
  }
  throw badInput('after', 'after: not a cursor returned by this field');
}

/** Postgres unique-violation, raised when a concurrent request won the race a pre-check lost. */
const isUniqueViolation = (err: unknown, constraint: string): boolean =>
  typeof err === 'object' &&
  err !== null &&
  (err as { code?: string }).code === '23505' &&
  String((err as { constraint?: string }).constraint ?? '').includes(constraint);

/**
 * The registry's use cases. Each validates its input completely before writing, checks who may do
 * it, and commits the change with its event in one transaction.
 */
export class Registry {
  constructor(
    private readonly read: RegistryStore,
    private readonly transaction: RunInTransaction,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async createGrid(caller: Caller, raw: unknown): Promise<Grid> {
    requireStaff(caller);
    const input = parseInput(createGridInput, raw, 'input');
    return this.transaction(async ({ store, publish }) => {
      if (input.parentId && !(await store.gridsByIds([input.parentId])).length) {
        throw badInput('input.parentId', 'input.parentId: no such grid');
      }
      const grid: Grid = { id: randomUUID(), name: input.name, parentId: input.parentId ?? null };
      await store.insertGrid(grid);
      await publish(GridCreated, grid.id, { gridId: grid.id, parentId: grid.parentId });
      return grid;
    });
  }

  async registerBuilding(caller: Caller, raw: unknown): Promise<Building> {
    requireStaff(caller);
    const input = parseInput(registerBuildingInput, raw, 'input');
    return this.transaction(async ({ store, publish }) => {
      if (!(await store.gridsByIds([input.gridId])).length) {
        throw badInput('input.gridId', 'input.gridId: no such grid');
      }
      const building: Building = { id: randomUUID(), ...input };
      await store.insertBuilding(building);
      await publish(BuildingRegistered, building.id, {
        buildingId: building.id,
        gridId: building.gridId,
      });
      return building;
    });
  }

  async registerHousehold(caller: Caller, raw: unknown): Promise<Household> {
    const input = parseInput(registerHouseholdInput, raw, 'input');
    return this.transaction(async ({ store, publish }) => {
      const [building] = await store.buildingsByIds([input.buildingId]);
      if (!building) throw badInput('input.buildingId', 'input.buildingId: no such building');
      const gridId = input.gridId ?? building.gridId;
      if (input.gridId && !(await store.gridsByIds([input.gridId])).length) {
        throw badInput('input.gridId', 'input.gridId: no such grid');
      }
      requireManage(caller, gridId);
      if (await store.householdExists(building.id, input.unit, input.room)) {
        throw conflict('a household is already registered at this unit and room', 'input.room');
      }
      const household: Household = {
        id: randomUUID(),
        buildingId: building.id,
        gridId,
        unit: input.unit,
        room: input.room,
        headResidentId: null,
      };
      try {
        await store.insertHousehold(household);
      } catch (err) {
        if (isUniqueViolation(err, 'households')) {
          throw conflict('a household is already registered at this unit and room', 'input.room');
        }
        throw err;
      }
      await publish(HouseholdRegistered, household.id, {
        householdId: household.id,
        buildingId: building.id,
        gridId,
      });
      return household;
    });
  }

  async registerResident(caller: Caller, raw: unknown): Promise<ResidentInGrid> {
    const input = parseInput(registerResidentInput, raw, 'input');
    const todayDate = today(this.clock());
    if (input.birthDate > todayDate)
      throw badInput('input.birthDate', 'input.birthDate: must not be in the future');
    if (input.birthDate < '1900-01-01')
      throw badInput('input.birthDate', 'input.birthDate: must be after 1900');
    if (birthDateOfIdCard(input.idCardNumber) !== input.birthDate) {
      throw badInput(
        'input.idCardNumber',
        'input.idCardNumber: the birth date it encodes differs from input.birthDate',
      );
    }
    return this.transaction(async ({ store, publish }) => {
      const household = await store.lockHousehold(input.householdId);
      if (!household) throw badInput('input.householdId', 'input.householdId: no such household');
      requireManage(caller, household.gridId);
      if (await store.idCardNumberTaken(input.idCardNumber)) {
        throw conflict(
          'a resident with this ID-card number is already registered',
          'input.idCardNumber',
        );
      }
      if (input.relationshipToHead === 'head' && household.headResidentId) {
        throw conflict('the household already has a head', 'input.relationshipToHead');
      }
      const resident: Resident = {
        id: randomUUID(),
        householdId: household.id,
        name: input.name,
        gender: input.gender,
        birthDate: input.birthDate,
        idCardNumber: input.idCardNumber,
        phone: input.phone ?? null,
        residencyType: input.residencyType,
        status: 'active',
        relationshipToHead: input.relationshipToHead,
        tags: input.tags ?? [],
        movedOutOn: null,
        registeredAt: this.clock(),
      };
      try {
        await store.insertResident(resident);
      } catch (err) {
        if (isUniqueViolation(err, 'id_card')) {
          throw conflict(
            'a resident with this ID-card number is already registered',
            'input.idCardNumber',
          );
        }
        throw err;
      }
      if (resident.relationshipToHead === 'head')
        await store.setHouseholdHead(household.id, resident.id);
      await publish(ResidentRegistered, resident.id, {
        residentId: resident.id,
        householdId: household.id,
        gridId: household.gridId,
        status: resident.status,
        residencyType: resident.residencyType,
        tags: resident.tags,
      });
      return { ...resident, gridId: household.gridId };
    });
  }

  async updateResident(caller: Caller, id: string, raw: unknown): Promise<ResidentInGrid> {
    if (!uuid.safeParse(id).success) throw badInput('id', 'id: must be a valid id');
    const input = parseInput(updateResidentInput, raw, 'input');
    return this.transaction(async ({ store, publish }) => {
      const current = await this.lockedResident(store, id, 'id');
      requireManage(caller, current.gridId);
      if (current.status !== 'active') throw conflict(`resident is ${current.status}`, 'id');
      const next: ResidentInGrid = {
        ...current,
        name: input.name ?? current.name,
        phone: input.phone ?? current.phone,
        residencyType: input.residencyType ?? current.residencyType,
        relationshipToHead: input.relationshipToHead ?? current.relationshipToHead,
        tags: input.tags ?? current.tags,
      };
      const changed = (
        ['name', 'phone', 'residencyType', 'relationshipToHead', 'tags'] as const
      ).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]));
      if (!changed.length) return current;
      if (next.relationshipToHead !== current.relationshipToHead) {
        const household = await store.lockHousehold(current.householdId);
        if (next.relationshipToHead === 'head') {
          if (household?.headResidentId && household.headResidentId !== id) {
            throw conflict('the household already has a head', 'input.relationshipToHead');
          }
          await store.setHouseholdHead(current.householdId, id);
        } else if (household?.headResidentId === id) {
          await store.setHouseholdHead(current.householdId, null);
        }
      }
      await store.updateResident(next);
      await publish(ResidentUpdated, id, {
        residentId: id,
        householdId: current.householdId,
        gridId: current.gridId,
        changed: [...changed],
      });
      return next;
    });
  }

  async moveOutResident(caller: Caller, raw: unknown): Promise<ResidentInGrid> {
    const input = parseInput(moveOutInput, raw, 'input');
    if (input.movedOutOn > today(this.clock())) {
      throw badInput('input.movedOutOn', 'input.movedOutOn: must not be in the future');
    }
    return this.transaction(async ({ store, publish }) => {
      const current = await this.lockedResident(store, input.residentId, 'input.residentId');
      requireManage(caller, current.gridId);
      if (current.status !== 'active')
        throw conflict(`resident is already ${current.status}`, 'input.residentId');
      if (input.movedOutOn < current.birthDate) {
        throw badInput('input.movedOutOn', 'input.movedOutOn: must not be before the birth date');
      }
      const next: ResidentInGrid = {
        ...current,
        status: 'moved_out',
        movedOutOn: input.movedOutOn,
      };
      const household = await store.lockHousehold(current.householdId);
      if (household?.headResidentId === current.id)
        await store.setHouseholdHead(current.householdId, null);
      await store.updateResident(next);
      await publish(ResidentMovedOut, current.id, {
        residentId: current.id,
        householdId: current.householdId,
        gridId: current.gridId,
        movedOutOn: input.movedOutOn,
      });
      return next;
    });
  }

  async assignGridMember(caller: Caller, raw: unknown): Promise<GridMember> {
    requireStaff(caller);
    const input = parseInput(assignGridMemberInput, raw, 'input');
    return this.transaction(async ({ store, publish }) => {
      if (!(await store.gridsByIds([input.gridId])).length) {
        throw badInput('input.gridId', 'input.gridId: no such grid');
      }
      let member = await store.gridMemberByUserId(input.userId);
      if (!member) {
        member = { id: randomUUID(), userId: input.userId, name: input.name };
        await store.insertGridMember(member);
      }
      if (await store.assignGridMember(input.gridId, member.id)) {
        await publish(GridMemberAssigned, input.gridId, {
          gridId: input.gridId,
          gridMemberId: member.id,
          userId: member.userId,
        });
      }
      return member;
    });
  }

  /** One page of the residents the caller may see, filtered; the count is computed only if asked. */
  async listResidents(
    caller: Caller,
    args: { first?: number | null; after?: string | null; filter?: unknown },
  ): Promise<ResidentPage> {
    const first = args.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > 100)
      throw badInput('first', 'first: must be 1 to 100');
    const after = args.after ? decodeCursor(args.after) : undefined;
    const filter = parseInput(residentFilter, args.filter ?? {}, 'filter');
    // undefined: every grid; a list: those grids; empty: the caller's own record only.
    const grids = visibleGrids(caller);
    const ownRecordOnly = grids !== undefined && grids.length === 0;
    if (ownRecordOnly && !caller.residentId)
      throw forbidden('no residents are visible to this caller');
    let gridIds: string[] | undefined = ownRecordOnly ? undefined : grids;
    if (filter.gridId) {
      if (grids && !ownRecordOnly && !grids.includes(filter.gridId))
        throw forbidden('this grid is not one of yours');
      gridIds = [filter.gridId];
    }
    const onlyResidentId = ownRecordOnly ? caller.residentId : undefined;
    const now = today(this.clock());
    const query = {
      gridIds,
      onlyResidentId,
      tag: filter.tag ?? undefined,
      status: filter.status ?? undefined,
      name: filter.name ?? undefined,
      bornOnOrBefore: filter.minAge != null ? shift(now, -filter.minAge) : undefined,
      bornOnOrAfter: filter.maxAge != null ? shift(now, -(filter.maxAge + 1), 1) : undefined,
    };
    const rows = await this.read.listResidents({ ...query, after, limit: first + 1 });
    return {
      items: rows.slice(0, first),
      hasNextPage: rows.length > first,
      totalCount: () => this.read.countResidents(query),
    };
  }

  /** Age of a resident today in the community. */
  ageOf(resident: Resident): number {
    return ageOn(resident.birthDate, today(this.clock()));
  }

  /** Throws FORBIDDEN when the caller may not read this resident. */
  assertReadable(caller: Caller, resident: ResidentInGrid): void {
    if (!canRead(caller, resident)) throw forbidden('this resident is not visible to the caller');
  }

  private async lockedResident(
    store: RegistryStore,
    id: string,
    field: string,
  ): Promise<ResidentInGrid> {
    const resident = await store.lockResident(id);
    if (!resident) throw notFound('resident', id, field);
    return resident;
  }
}
