import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ResidentMovedOut,
  ResidentRegistered,
  ResidentTagged,
  ResidentUntagged,
  ResidentUpdated,
  HouseholdRegistered,
  BuildingRegistered,
  GridCreated,
  GridMemberAssigned,
} from '@liyuan/schemas';
import {
  badInput,
  conflict,
  decodeKeyset,
  forbidden,
  hasRole,
  isoDate,
  isoInstant,
  line,
  notFound,
  pageSize,
  parseInput,
  readPage,
  unauthenticated,
  uuid,
  type Caller,
} from '@liyuan/kit';
import { requireManage, requireStaff, visibleGrids } from './access';
import { ageOn, shift, today } from './dates';
import { KEYSETS } from './keysets';
import {
  GENDERS,
  RELATIONSHIPS,
  RESIDENCY_TYPES,
  RESIDENT_STATUSES,
  type Building,
  type Grid,
  type GridMember,
  type Household,
  type KeyGroupTag,
  type PersonalDataAccessRecord,
  type Resident,
  type ResidentInGrid,
  type ResidentPage,
} from './model';
import { birthDateOfIdCard, isValidIdCardNumber, isValidPhone } from './personal-data';
import type { RegistryStore, RunInTransaction, Tx } from './ports';

/** Names, addresses, units, rooms, user ids and search terms: one line of clean text. */
const text = line;
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
    id: uuid,
    name: text(50).nullish(),
    phone: phone.nullish(),
    residencyType: z.enum(RESIDENCY_TYPES).nullish(),
    relationshipToHead: z.enum(RELATIONSHIPS).nullish(),
    tags: tags.nullish(),
  })
  .refine(
    ({ id: _, ...changes }) => Object.values(changes).some((x) => x !== undefined && x !== null),
    'must change at least one field',
  );
const tagInput = z.object({ residentId: uuid, tag });
const moveOutInput = z.object({ residentId: uuid, movedOutOn: isoDate });
const assignGridMemberInput = z.object({ gridId: uuid, userId: text(100), name: text(50) });
const keyGroupTagInput = z.object({
  code: tag,
  name: text(100),
  visitCadenceDays: z.number().int().min(1).max(366).nullish(),
});
const auditFilter = z
  .object({
    residentId: uuid.nullish(),
    actorUserId: text(100).nullish(),
    from: isoInstant.nullish(),
    to: isoInstant.nullish(),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, {
    message: 'from must not be after to',
    path: ['from'],
  });
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

/** The earliest birth date the registry accepts. */
export const EARLIEST_BIRTH_DATE = '1900-01-01';

export type RegisterResidentInput = z.input<typeof registerResidentInput>;

/** Throws BAD_USER_INPUT naming `field` when a tag is not configured. */
async function assertKnownTags(store: RegistryStore, tags: string[], field: string): Promise<void> {
  if (!tags.length) return;
  const known = new Set((await store.keyGroupTags()).map((t) => t.code));
  const unknown = tags.filter((t) => !known.has(t));
  if (unknown.length)
    throw badInput(field, `${field}: unknown key-group tag ${unknown.join(', ')}`);
}

/** Publishes ResidentTagged / ResidentUntagged for the difference between the old and new tags. */
async function publishTagChanges(
  tx: Pick<Tx, 'publish'>,
  before: ResidentInGrid,
  tags: string[],
): Promise<void> {
  const base = { residentId: before.id, householdId: before.householdId, gridId: before.gridId };
  for (const t of tags.filter((x) => !before.tags.includes(x))) {
    await tx.publish(ResidentTagged, before.id, { ...base, tag: t });
  }
  for (const t of before.tags.filter((x) => !tags.includes(x))) {
    await tx.publish(ResidentUntagged, before.id, { ...base, tag: t });
  }
}

/** Anonymous callers are refused before their input is looked at. */
function requireUser(caller: Caller): void {
  if (caller.userId === null) throw unauthenticated();
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
    requireUser(caller);
    const input = parseInput(registerHouseholdInput, raw, 'input');
    return this.transaction(async ({ store, publish }) => {
      const [building] = await store.buildingsByIds([input.buildingId]);
      if (!building) throw badInput('input.buildingId', 'input.buildingId: no such building');
      const gridId = input.gridId ?? building.gridId;
      if (input.gridId && !(await store.gridsByIds([input.gridId])).length) {
        throw badInput('input.gridId', 'input.gridId: no such grid');
      }
      requireManage(caller, gridId);
      // Placing a household outside its building's grid moves it between grids: staff decide that.
      if (gridId !== building.gridId) requireStaff(caller);
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

  /**
   * Registers a resident: born from {@link EARLIEST_BIRTH_DATE} to today, the birth date matching
   * the one the ID-card number encodes. Anonymous callers are refused before any validation.
   */
  async registerResident(caller: Caller, raw: unknown): Promise<ResidentInGrid> {
    requireUser(caller);
    const input = parseInput(registerResidentInput, raw, 'input');
    const todayDate = today(this.clock());
    if (input.birthDate > todayDate)
      throw badInput('input.birthDate', 'input.birthDate: must not be in the future');
    if (input.birthDate < EARLIEST_BIRTH_DATE)
      throw badInput('input.birthDate', `input.birthDate: must be ${EARLIEST_BIRTH_DATE} or later`);
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
      await assertKnownTags(store, input.tags ?? [], 'input.tags');
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

  async updateResident(caller: Caller, raw: unknown): Promise<ResidentInGrid> {
    requireUser(caller);
    const input = parseInput(updateResidentInput, raw, 'input');
    const { id } = input;
    return this.transaction(async ({ store, publish }) => {
      const current = await this.lockedResident(store, id, 'input.id');
      requireManage(caller, current.gridId);
      if (current.status !== 'active') throw conflict(`resident is ${current.status}`, 'input.id');
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
      if (input.tags) await assertKnownTags(store, input.tags, 'input.tags');
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
      await publishTagChanges({ publish }, current, next.tags);
      return next;
    });
  }

  /** Marks a resident moved out on a day from their birth date to today. */
  async moveOutResident(caller: Caller, raw: unknown): Promise<ResidentInGrid> {
    requireUser(caller);
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
      // Insert-or-get in one statement: two first assignments of one worker at once make one member.
      const member = await store.upsertGridMember({
        id: randomUUID(),
        userId: input.userId,
        name: input.name,
      });
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

  /** The configured key-group tags. */
  keyGroupTags(): Promise<KeyGroupTag[]> {
    return this.read.keyGroupTags();
  }

  /** Adds a key-group tag or changes its name or visit cadence (staff, admin). */
  async configureKeyGroupTag(caller: Caller, raw: unknown): Promise<KeyGroupTag> {
    requireStaff(caller);
    const input = parseInput(keyGroupTagInput, raw, 'input');
    const tag: KeyGroupTag = {
      code: input.code,
      name: input.name,
      visitCadenceDays: input.visitCadenceDays ?? null,
    };
    await this.transaction(({ store }) => store.upsertKeyGroupTag(tag));
    return tag;
  }

  /** Adds (`add`) or removes a key-group tag of a resident; a no-op change publishes nothing. */
  async setTag(caller: Caller, raw: unknown, add: boolean): Promise<ResidentInGrid> {
    requireUser(caller);
    const { residentId, tag: code } = parseInput(tagInput, raw, 'input');
    return this.transaction(async (tx) => {
      const current = await this.lockedResident(tx.store, residentId, 'input.residentId');
      requireManage(caller, current.gridId);
      if (current.status !== 'active')
        throw conflict(`resident is ${current.status}`, 'input.residentId');
      if (add) await assertKnownTags(tx.store, [code], 'input.tag');
      const tags = add
        ? [...new Set([...current.tags, code])]
        : current.tags.filter((t) => t !== code);
      if (tags.length === current.tags.length) return current;
      const next = { ...current, tags };
      await tx.store.updateResident(next);
      await publishTagChanges(tx, current, tags);
      return next;
    });
  }

  /** Unmasked personal-data reads, newest first (admin only). */
  async personalDataAudit(
    caller: Caller,
    args: { first?: number | null; after?: string | null; filter?: unknown },
  ): Promise<{ items: PersonalDataAccessRecord[]; hasNextPage: boolean }> {
    if (caller.userId === null) throw unauthenticated();
    if (!hasRole(caller, 'admin')) throw forbidden('only an admin reads the personal-data audit');
    const limit = pageSize(args.first);
    const filter = parseInput(auditFilter, args.filter ?? {}, 'filter');
    const after = decodeKeyset(args.after, KEYSETS.personalDataAccess.parts);
    const rows = await this.read.listPersonalDataAccess({
      residentId: filter.residentId ?? undefined,
      actorUserId: filter.actorUserId ?? undefined,
      from: filter.from ? new Date(filter.from) : undefined,
      to: filter.to ? new Date(filter.to) : undefined,
      afterId: after && String(after[0]),
      limit: limit + 1,
    });
    return { items: rows.slice(0, limit), hasNextPage: rows.length > limit };
  }

  /**
   * One page of the residents the caller may see, filtered, by name (first: 1 to 100, default 20);
   * the count is computed only if asked.
   */
  async listResidents(
    caller: Caller,
    args: { first?: number | null; after?: string | null; filter?: unknown },
  ): Promise<ResidentPage> {
    requireUser(caller);
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
    return readPage(args, KEYSETS.resident, {
      read: (range) => this.read.listResidents(query, range),
      count: () => this.read.countResidents(query),
    });
  }

  /** Age of a resident today in the community. */
  ageOf(resident: Resident): number {
    return ageOn(resident.birthDate, today(this.clock()));
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
