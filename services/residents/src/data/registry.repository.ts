import type { EntityManager } from 'typeorm';
import type { RegistryStore } from '../domain/ports';
import type {
  Building,
  Grid,
  GridMember,
  Household,
  KeyGroupTag,
  PersonalDataAccess,
  PersonalDataAccessRecord,
  Resident,
  ResidentInGrid,
  ResidentQuery,
  Gender,
  ResidencyType,
  ResidentStatus,
  Relationship,
} from '../domain/model';
import {
  BuildingEntity,
  GridEntity,
  GridMemberEntity,
  HouseholdEntity,
  ResidentEntity,
} from './entities';

const toGrid = (e: GridEntity): Grid => ({ id: e.id, name: e.name, parentId: e.parentId });
const toBuilding = (e: BuildingEntity): Building => ({
  id: e.id,
  name: e.name,
  address: e.address,
  gridId: e.gridId,
});
const toHousehold = (e: HouseholdEntity): Household => ({
  id: e.id,
  buildingId: e.buildingId,
  gridId: e.gridId,
  unit: e.unit,
  room: e.room,
  headResidentId: e.headResidentId,
});
const toResident = (e: ResidentEntity): Resident => ({
  id: e.id,
  householdId: e.householdId,
  name: e.name,
  gender: e.gender as Gender,
  birthDate: e.birthDate,
  idCardNumber: e.idCardNumber,
  phone: e.phone,
  residencyType: e.residencyType as ResidencyType,
  status: e.status as ResidentStatus,
  relationshipToHead: e.relationshipToHead as Relationship,
  tags: e.tags,
  movedOutOn: e.movedOutOn,
  registeredAt: e.registeredAt,
});
const toMember = (e: GridMemberEntity): GridMember => ({
  id: e.id,
  userId: e.userId,
  name: e.name,
});

/** The registry over TypeORM; every list read is one statement, whatever the number of ids. */
export class TypeOrmRegistryStore implements RegistryStore {
  constructor(private readonly m: EntityManager) {}

  async gridsByIds(ids: readonly string[]): Promise<Grid[]> {
    if (!ids.length) return [];
    const rows = await this.m
      .getRepository(GridEntity)
      .createQueryBuilder('g')
      .where('g.id = ANY(:ids)', { ids })
      .getMany();
    return rows.map(toGrid);
  }
  async allGrids(): Promise<Grid[]> {
    const rows = await this.m
      .getRepository(GridEntity)
      .createQueryBuilder('g')
      .orderBy('g.parent_id IS NOT NULL')
      .addOrderBy('g.name')
      .getMany();
    return rows.map(toGrid);
  }
  async insertGrid(grid: Grid): Promise<void> {
    await this.m
      .getRepository(GridEntity)
      .insert({ id: grid.id, name: grid.name, parentId: grid.parentId });
  }

  async buildingsByIds(ids: readonly string[]): Promise<Building[]> {
    if (!ids.length) return [];
    const rows = await this.m
      .getRepository(BuildingEntity)
      .createQueryBuilder('b')
      .where('b.id = ANY(:ids)', { ids })
      .getMany();
    return rows.map(toBuilding);
  }
  async buildingsOfGrid(gridId: string | undefined): Promise<Building[]> {
    const rows = await this.m
      .getRepository(BuildingEntity)
      .find({ where: gridId ? { gridId } : {}, order: { name: 'ASC' } });
    return rows.map(toBuilding);
  }
  async insertBuilding(b: Building): Promise<void> {
    await this.m.getRepository(BuildingEntity).insert({ ...b });
  }

  async householdsByIds(ids: readonly string[]): Promise<Household[]> {
    if (!ids.length) return [];
    const rows = await this.m
      .getRepository(HouseholdEntity)
      .createQueryBuilder('h')
      .where('h.id = ANY(:ids)', { ids })
      .getMany();
    return rows.map(toHousehold);
  }
  /** Households with their buildings, one statement (an address needs both). */
  async householdsWithBuildings(
    ids: readonly string[],
  ): Promise<{ household: Household; building: Building | undefined }[]> {
    if (!ids.length) return [];
    const { raw, entities } = await this.m
      .getRepository(HouseholdEntity)
      .createQueryBuilder('h')
      .leftJoin(BuildingEntity, 'b', 'b.id = h.building_id')
      .addSelect('b.id', 'b_id')
      .addSelect('b.name', 'b_name')
      .addSelect('b.address', 'b_address')
      .addSelect('b.grid_id', 'b_grid_id')
      .where('h.id = ANY(:ids)', { ids })
      .getRawAndEntities();
    const buildings = new Map(
      (raw as { b_id: string | null; b_name: string; b_address: string; b_grid_id: string }[])
        .filter((r) => r.b_id !== null)
        .map((r) => [
          r.b_id!,
          { id: r.b_id!, name: r.b_name, address: r.b_address, gridId: r.b_grid_id },
        ]),
    );
    return entities.map((e) => ({
      household: toHousehold(e),
      building: buildings.get(e.buildingId),
    }));
  }
  async lockHousehold(id: string): Promise<Household | undefined> {
    const row = await this.m
      .getRepository(HouseholdEntity)
      .createQueryBuilder('h')
      .where('h.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
    return row ? toHousehold(row) : undefined;
  }
  async insertHousehold(h: Household): Promise<void> {
    await this.m.getRepository(HouseholdEntity).insert({ ...h });
  }
  async setHouseholdHead(householdId: string, residentId: string | null): Promise<void> {
    await this.m
      .getRepository(HouseholdEntity)
      .update({ id: householdId }, { headResidentId: residentId });
  }
  async householdExists(buildingId: string, unit: string, room: string): Promise<boolean> {
    return this.m.getRepository(HouseholdEntity).exists({ where: { buildingId, unit, room } });
  }

  private residentsInGrid() {
    return this.m
      .getRepository(ResidentEntity)
      .createQueryBuilder('r')
      .innerJoin(HouseholdEntity, 'h', 'h.id = r.household_id')
      .addSelect('h.grid_id', 'grid_id');
  }

  private static inGrid(raw: { grid_id: string }[], entities: ResidentEntity[]): ResidentInGrid[] {
    return entities.map((e, i) => ({ ...toResident(e), gridId: raw[i]?.grid_id ?? '' }));
  }

  async residentsByIds(ids: readonly string[]): Promise<ResidentInGrid[]> {
    if (!ids.length) return [];
    const { raw, entities } = await this.residentsInGrid()
      .where('r.id = ANY(:ids)', { ids })
      .getRawAndEntities();
    return TypeOrmRegistryStore.inGrid(raw as { grid_id: string }[], entities);
  }
  async lockResident(id: string): Promise<ResidentInGrid | undefined> {
    const { raw, entities } = await this.residentsInGrid()
      .where('r.id = :id', { id })
      .setLock('pessimistic_write', undefined, ['r'])
      .getRawAndEntities();
    return TypeOrmRegistryStore.inGrid(raw as { grid_id: string }[], entities)[0];
  }
  async residentsOfHouseholds(householdIds: readonly string[]): Promise<Resident[]> {
    if (!householdIds.length) return [];
    const rows = await this.m
      .getRepository(ResidentEntity)
      .createQueryBuilder('r')
      .where('r.household_id = ANY(:householdIds)', { householdIds })
      .orderBy('r.registered_at')
      .addOrderBy('r.id')
      .getMany();
    return rows.map(toResident);
  }

  private filtered(query: Omit<ResidentQuery, 'after' | 'limit'>) {
    const qb = this.residentsInGrid();
    if (query.gridIds) qb.andWhere('h.grid_id = ANY(:gridIds)', { gridIds: query.gridIds });
    if (query.tag) qb.andWhere(':tag = ANY(r.tags)', { tag: query.tag });
    if (query.status) qb.andWhere('r.status = :status', { status: query.status });
    if (query.bornOnOrAfter) qb.andWhere('r.birth_date >= :from', { from: query.bornOnOrAfter });
    if (query.bornOnOrBefore) qb.andWhere('r.birth_date <= :to', { to: query.bornOnOrBefore });
    if (query.name)
      qb.andWhere(`r.name ILIKE :name ESCAPE '\\'`, { name: `%${escapeLike(query.name)}%` });
    if (query.onlyResidentId) qb.andWhere('r.id = :only', { only: query.onlyResidentId });
    return qb;
  }

  async listResidents(query: ResidentQuery): Promise<ResidentInGrid[]> {
    const qb = this.filtered(query);
    if (query.after) {
      qb.andWhere('(r.name, r.id) > (:afterName, :afterId)', {
        afterName: query.after.name,
        afterId: query.after.id,
      });
    }
    const { raw, entities } = await qb
      .orderBy('r.name')
      .addOrderBy('r.id')
      .limit(query.limit)
      .getRawAndEntities();
    return TypeOrmRegistryStore.inGrid(raw as { grid_id: string }[], entities);
  }
  async countResidents(query: Omit<ResidentQuery, 'after' | 'limit'>): Promise<number> {
    return this.filtered(query).getCount();
  }
  async idCardNumberTaken(idCardNumber: string): Promise<boolean> {
    return this.m.getRepository(ResidentEntity).exists({ where: { idCardNumber } });
  }
  async insertResident(r: Resident): Promise<void> {
    await this.m.getRepository(ResidentEntity).insert({ ...r, updatedAt: new Date() });
  }
  async updateResident(r: Resident): Promise<void> {
    await this.m.getRepository(ResidentEntity).update(
      { id: r.id },
      {
        name: r.name,
        phone: r.phone,
        residencyType: r.residencyType,
        relationshipToHead: r.relationshipToHead,
        tags: r.tags,
        status: r.status,
        movedOutOn: r.movedOutOn,
        updatedAt: new Date(),
      },
    );
  }

  async gridMembersByIds(ids: readonly string[]): Promise<GridMember[]> {
    if (!ids.length) return [];
    const rows = await this.m
      .getRepository(GridMemberEntity)
      .createQueryBuilder('m')
      .where('m.id = ANY(:ids)', { ids })
      .getMany();
    return rows.map(toMember);
  }
  async upsertGridMember(member: GridMember): Promise<GridMember> {
    // The no-op update makes RETURNING yield the existing row on conflict.
    const rows: { id: string; user_id: string; name: string }[] = await this.m.query(
      `INSERT INTO grid_members (id, user_id, name) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
       RETURNING id, user_id, name`,
      [member.id, member.userId, member.name],
    );
    const row = rows[0]!;
    return { id: row.id, userId: row.user_id, name: row.name };
  }
  async assignGridMember(gridId: string, memberId: string): Promise<boolean> {
    const rows: unknown[] = await this.m.query(
      `INSERT INTO grid_assignments (grid_id, grid_member_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING grid_id`,
      [gridId, memberId],
    );
    return rows.length > 0;
  }
  async membersOfGrids(
    gridIds: readonly string[],
  ): Promise<{ gridId: string; member: GridMember }[]> {
    if (!gridIds.length) return [];
    const rows: { grid_id: string; id: string; user_id: string; name: string }[] =
      await this.m.query(
        `SELECT a.grid_id, m.id, m.user_id, m.name FROM grid_assignments a
         JOIN grid_members m ON m.id = a.grid_member_id
        WHERE a.grid_id = ANY($1) ORDER BY m.name, m.id`,
        [gridIds],
      );
    return rows.map((r) => ({
      gridId: r.grid_id,
      member: { id: r.id, userId: r.user_id, name: r.name },
    }));
  }
  async gridsOfMembers(memberIds: readonly string[]): Promise<{ memberId: string; grid: Grid }[]> {
    if (!memberIds.length) return [];
    const rows: { grid_member_id: string; id: string; name: string; parent_id: string | null }[] =
      await this.m.query(
        `SELECT a.grid_member_id, g.id, g.name, g.parent_id FROM grid_assignments a
         JOIN grids g ON g.id = a.grid_id
        WHERE a.grid_member_id = ANY($1) ORDER BY g.name, g.id`,
        [memberIds],
      );
    return rows.map((r) => ({
      memberId: r.grid_member_id,
      grid: { id: r.id, name: r.name, parentId: r.parent_id },
    }));
  }

  async recordPersonalDataAccess(rows: PersonalDataAccess[]): Promise<void> {
    if (!rows.length) return;
    await this.m.query(
      `INSERT INTO personal_data_access (actor_user_id, actor_roles, resident_id, field, purpose, request_id)
       SELECT a.actor, string_to_array(a.roles, ','), a.resident, a.field, a.purpose, a.request
         FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[])
           AS a(actor, roles, resident, field, purpose, request)`,
      [
        rows.map((r) => r.actorUserId),
        rows.map((r) => r.actorRoles.join(',')),
        rows.map((r) => r.residentId),
        rows.map((r) => r.field),
        rows.map((r) => r.purpose),
        rows.map((r) => r.requestId),
      ],
    );
  }

  async listPersonalDataAccess(query: {
    residentId?: string;
    actorUserId?: string;
    from?: Date;
    to?: Date;
    afterId?: string;
    limit: number;
  }): Promise<PersonalDataAccessRecord[]> {
    const params: unknown[] = [];
    const cond: string[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (query.residentId) cond.push(`resident_id = ${p(query.residentId)}`);
    if (query.actorUserId) cond.push(`actor_user_id = ${p(query.actorUserId)}`);
    if (query.from) cond.push(`accessed_at >= ${p(query.from)}`);
    if (query.to) cond.push(`accessed_at <= ${p(query.to)}`);
    if (query.afterId) cond.push(`id < ${p(query.afterId)}::bigint`);
    const rows: {
      id: string;
      actor_user_id: string;
      actor_roles: string[];
      resident_id: string;
      field: string;
      purpose: string;
      request_id: string;
      accessed_at: Date;
    }[] = await this.m.query(
      `SELECT id::text, actor_user_id, actor_roles, resident_id, field, purpose, request_id, accessed_at
         FROM personal_data_access ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT ${p(query.limit)}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      actorUserId: r.actor_user_id,
      actorRoles: r.actor_roles,
      residentId: r.resident_id,
      field: r.field,
      purpose: r.purpose,
      requestId: r.request_id,
      accessedAt: r.accessed_at,
    }));
  }

  async keyGroupTags(): Promise<KeyGroupTag[]> {
    const rows: { code: string; name: string; visit_cadence_days: number | null }[] =
      await this.m.query(`SELECT code, name, visit_cadence_days FROM key_group_tags ORDER BY code`);
    return rows.map((r) => ({
      code: r.code,
      name: r.name,
      visitCadenceDays: r.visit_cadence_days,
    }));
  }

  async upsertKeyGroupTag(tag: KeyGroupTag): Promise<void> {
    await this.m.query(
      `INSERT INTO key_group_tags (code, name, visit_cadence_days) VALUES ($1, $2, $3)
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, visit_cadence_days = EXCLUDED.visit_cadence_days`,
      [tag.code, tag.name, tag.visitCadenceDays],
    );
  }
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);
