import type { EntityManager } from 'typeorm';
import { Params, queryRows, type KeysetRange, type Row } from '@liyuan/kit';
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

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

const toGrid = (r: Row): Grid => ({
  id: String(r.id),
  name: String(r.name),
  parentId: str(r.parent_id),
});
const toBuilding = (r: Row): Building => ({
  id: String(r.id),
  name: String(r.name),
  address: String(r.address),
  gridId: String(r.grid_id),
});
const HOUSEHOLD_COLUMNS = `h.id, h.building_id, h.grid_id, h.unit, h.room, h.head_resident_id`;
const toHousehold = (r: Row): Household => ({
  id: String(r.id),
  buildingId: String(r.building_id),
  gridId: String(r.grid_id),
  unit: String(r.unit),
  room: String(r.room),
  headResidentId: str(r.head_resident_id),
});
/** Dates as the calendar days they are, not as instants in the process's time zone. */
const RESIDENT_COLUMNS = `r.id, r.household_id, r.name, r.gender, to_char(r.birth_date, 'YYYY-MM-DD') AS birth_date,
  r.id_card_number, r.phone, r.residency_type, r.status, r.relationship_to_head, r.tags,
  to_char(r.moved_out_on, 'YYYY-MM-DD') AS moved_out_on, r.registered_at`;
const toResident = (r: Row): Resident => ({
  id: String(r.id),
  householdId: String(r.household_id),
  name: String(r.name),
  gender: r.gender as Gender,
  birthDate: String(r.birth_date),
  idCardNumber: String(r.id_card_number),
  phone: str(r.phone),
  residencyType: r.residency_type as ResidencyType,
  status: r.status as ResidentStatus,
  relationshipToHead: r.relationship_to_head as Relationship,
  tags: r.tags as string[],
  movedOutOn: str(r.moved_out_on),
  registeredAt: r.registered_at as Date,
});
/** A resident with the grid of its household, read through `residents r JOIN households h`. */
const RESIDENT_IN_GRID = `SELECT ${RESIDENT_COLUMNS}, h.grid_id
  FROM residents r JOIN households h ON h.id = r.household_id`;
const toResidentInGrid = (r: Row): ResidentInGrid => ({
  ...toResident(r),
  gridId: String(r.grid_id),
});
const toMember = (r: Row): GridMember => ({
  id: String(r.id),
  userId: String(r.user_id),
  name: String(r.name),
});
const toAccess = (r: Row): PersonalDataAccessRecord => ({
  id: String(r.id),
  actorUserId: String(r.actor_user_id),
  actorRoles: r.actor_roles as string[],
  residentId: String(r.resident_id),
  field: String(r.field),
  purpose: String(r.purpose),
  requestId: String(r.request_id),
  accessedAt: r.accessed_at as Date,
});
const toKeyGroupTag = (r: Row): KeyGroupTag => ({
  code: String(r.code),
  name: String(r.name),
  visitCadenceDays: r.visit_cadence_days === null ? null : Number(r.visit_cadence_days),
});

/** The registry over TypeORM's manager; every list read is one statement, whatever the number of ids. */
export class TypeOrmRegistryStore implements RegistryStore {
  constructor(private readonly m: EntityManager) {}

  private rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return queryRows(this.m, sql, params);
  }

  async gridsByIds(ids: readonly string[]): Promise<Grid[]> {
    if (!ids.length) return [];
    const rows = await this.rows(
      `SELECT id, name, parent_id FROM grids WHERE id = ANY ($1::uuid[])`,
      [ids],
    );
    return rows.map(toGrid);
  }
  async allGrids(): Promise<Grid[]> {
    const rows = await this.rows(
      `SELECT id, name, parent_id FROM grids ORDER BY parent_id IS NOT NULL, name`,
    );
    return rows.map(toGrid);
  }
  async insertGrid(grid: Grid): Promise<void> {
    await this.m.query(`INSERT INTO grids (id, name, parent_id) VALUES ($1, $2, $3)`, [
      grid.id,
      grid.name,
      grid.parentId,
    ]);
  }

  async buildingsByIds(ids: readonly string[]): Promise<Building[]> {
    if (!ids.length) return [];
    const rows = await this.rows(
      `SELECT id, name, address, grid_id FROM buildings WHERE id = ANY ($1::uuid[])`,
      [ids],
    );
    return rows.map(toBuilding);
  }
  async buildingsOfGrid(gridId: string | undefined): Promise<Building[]> {
    const rows = gridId
      ? await this.rows(
          `SELECT id, name, address, grid_id FROM buildings WHERE grid_id = $1 ORDER BY name`,
          [gridId],
        )
      : await this.rows(`SELECT id, name, address, grid_id FROM buildings ORDER BY name`);
    return rows.map(toBuilding);
  }
  async insertBuilding(b: Building): Promise<void> {
    await this.m.query(
      `INSERT INTO buildings (id, name, address, grid_id) VALUES ($1, $2, $3, $4)`,
      [b.id, b.name, b.address, b.gridId],
    );
  }

  async householdsByIds(ids: readonly string[]): Promise<Household[]> {
    if (!ids.length) return [];
    const rows = await this.rows(
      `SELECT ${HOUSEHOLD_COLUMNS} FROM households h WHERE h.id = ANY ($1::uuid[])`,
      [ids],
    );
    return rows.map(toHousehold);
  }
  /** Households with their buildings, one statement (an address needs both). */
  async householdsWithBuildings(
    ids: readonly string[],
  ): Promise<{ household: Household; building: Building | undefined }[]> {
    if (!ids.length) return [];
    const rows = await this.rows(
      `SELECT ${HOUSEHOLD_COLUMNS}, b.id AS b_id, b.name AS b_name, b.address AS b_address,
              b.grid_id AS b_grid_id
         FROM households h LEFT JOIN buildings b ON b.id = h.building_id
        WHERE h.id = ANY ($1::uuid[])`,
      [ids],
    );
    return rows.map((r) => ({
      household: toHousehold(r),
      building:
        r.b_id === null
          ? undefined
          : toBuilding({ id: r.b_id, name: r.b_name, address: r.b_address, grid_id: r.b_grid_id }),
    }));
  }
  async lockHousehold(id: string): Promise<Household | undefined> {
    const [row] = await this.rows(
      `SELECT ${HOUSEHOLD_COLUMNS} FROM households h WHERE h.id = $1 FOR UPDATE`,
      [id],
    );
    return row ? toHousehold(row) : undefined;
  }
  async insertHousehold(h: Household): Promise<void> {
    await this.m.query(
      `INSERT INTO households (id, building_id, grid_id, unit, room, head_resident_id)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [h.id, h.buildingId, h.gridId, h.unit, h.room, h.headResidentId],
    );
  }
  async setHouseholdHead(householdId: string, residentId: string | null): Promise<void> {
    await this.m.query(`UPDATE households SET head_resident_id = $2 WHERE id = $1`, [
      householdId,
      residentId,
    ]);
  }
  async householdExists(buildingId: string, unit: string, room: string): Promise<boolean> {
    const [row] = await this.rows(
      `SELECT EXISTS (SELECT 1 FROM households WHERE building_id = $1 AND unit = $2 AND room = $3) AS taken`,
      [buildingId, unit, room],
    );
    return row?.taken === true;
  }

  async residentsByIds(ids: readonly string[]): Promise<ResidentInGrid[]> {
    if (!ids.length) return [];
    const rows = await this.rows(`${RESIDENT_IN_GRID} WHERE r.id = ANY ($1::uuid[])`, [ids]);
    return rows.map(toResidentInGrid);
  }
  async lockResident(id: string): Promise<ResidentInGrid | undefined> {
    const [row] = await this.rows(`${RESIDENT_IN_GRID} WHERE r.id = $1 FOR UPDATE OF r`, [id]);
    return row ? toResidentInGrid(row) : undefined;
  }
  async residentsOfHouseholds(householdIds: readonly string[]): Promise<Resident[]> {
    if (!householdIds.length) return [];
    const rows = await this.rows(
      `SELECT ${RESIDENT_COLUMNS} FROM residents r
        WHERE r.household_id = ANY ($1::uuid[]) ORDER BY r.registered_at, r.id`,
      [householdIds],
    );
    return rows.map(toResident);
  }

  /** The conditions of a resident query, over `residents r JOIN households h`. */
  private static where(query: ResidentQuery, p: Params): string[] {
    const cond: string[] = [];
    if (query.gridIds) cond.push(`h.grid_id = ANY (${p.add(query.gridIds)}::uuid[])`);
    if (query.tag) cond.push(`${p.add(query.tag)}::text = ANY (r.tags)`);
    if (query.status) cond.push(`r.status = ${p.add(query.status)}`);
    if (query.bornOnOrAfter) cond.push(`r.birth_date >= ${p.add(query.bornOnOrAfter)}::date`);
    if (query.bornOnOrBefore) cond.push(`r.birth_date <= ${p.add(query.bornOnOrBefore)}::date`);
    if (query.name) cond.push(`r.name ILIKE ${p.add(`%${escapeLike(query.name)}%`)} ESCAPE '\\'`);
    if (query.onlyResidentId) cond.push(`r.id = ${p.add(query.onlyResidentId)}::uuid`);
    return cond;
  }

  async listResidents(query: ResidentQuery, range: KeysetRange): Promise<ResidentInGrid[]> {
    const p = new Params();
    const cond = TypeOrmRegistryStore.where(query, p);
    if (range.after)
      cond.push(`(r.name, r.id) > (${p.add(range.after[0])}, ${p.add(range.after[1])}::uuid)`);
    const rows = await this.rows(
      `${RESIDENT_IN_GRID} ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''}
        ORDER BY r.name, r.id LIMIT ${p.add(range.limit)}`,
      p.values,
    );
    return rows.map(toResidentInGrid);
  }
  async countResidents(query: ResidentQuery): Promise<number> {
    const p = new Params();
    const cond = TypeOrmRegistryStore.where(query, p);
    const [row] = await this.rows(
      `SELECT count(*)::int AS n FROM residents r JOIN households h ON h.id = r.household_id
        ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''}`,
      p.values,
    );
    return Number(row?.n ?? 0);
  }
  async idCardNumberTaken(idCardNumber: string): Promise<boolean> {
    const [row] = await this.rows(
      `SELECT EXISTS (SELECT 1 FROM residents WHERE id_card_number = $1) AS taken`,
      [idCardNumber],
    );
    return row?.taken === true;
  }
  async insertResident(r: Resident): Promise<void> {
    await this.m.query(
      `INSERT INTO residents (id, household_id, name, gender, birth_date, id_card_number, phone,
                              residency_type, status, relationship_to_head, tags, moved_out_on,
                              registered_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        r.id,
        r.householdId,
        r.name,
        r.gender,
        r.birthDate,
        r.idCardNumber,
        r.phone,
        r.residencyType,
        r.status,
        r.relationshipToHead,
        r.tags,
        r.movedOutOn,
        r.registeredAt,
        new Date(),
      ],
    );
  }
  async updateResident(r: Resident): Promise<void> {
    await this.m.query(
      `UPDATE residents SET name = $2, phone = $3, residency_type = $4, relationship_to_head = $5,
              tags = $6, status = $7, moved_out_on = $8, updated_at = $9
        WHERE id = $1`,
      [
        r.id,
        r.name,
        r.phone,
        r.residencyType,
        r.relationshipToHead,
        r.tags,
        r.status,
        r.movedOutOn,
        new Date(),
      ],
    );
  }

  async gridMembersByIds(ids: readonly string[]): Promise<GridMember[]> {
    if (!ids.length) return [];
    const rows = await this.rows(
      `SELECT id, user_id, name FROM grid_members WHERE id = ANY ($1::uuid[])`,
      [ids],
    );
    return rows.map(toMember);
  }
  async upsertGridMember(member: GridMember): Promise<GridMember> {
    // The no-op update makes RETURNING yield the existing row on conflict.
    const [row] = await this.rows(
      `INSERT INTO grid_members (id, user_id, name) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
       RETURNING id, user_id, name`,
      [member.id, member.userId, member.name],
    );
    return toMember(row!);
  }
  async assignGridMember(gridId: string, memberId: string): Promise<boolean> {
    const rows = await this.rows(
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
    const rows = await this.rows(
      `SELECT a.grid_id, m.id, m.user_id, m.name FROM grid_assignments a
         JOIN grid_members m ON m.id = a.grid_member_id
        WHERE a.grid_id = ANY ($1::uuid[]) ORDER BY m.name, m.id`,
      [gridIds],
    );
    return rows.map((r) => ({ gridId: String(r.grid_id), member: toMember(r) }));
  }
  async gridsOfMembers(memberIds: readonly string[]): Promise<{ memberId: string; grid: Grid }[]> {
    if (!memberIds.length) return [];
    const rows = await this.rows(
      `SELECT a.grid_member_id, g.id, g.name, g.parent_id FROM grid_assignments a
         JOIN grids g ON g.id = a.grid_id
        WHERE a.grid_member_id = ANY ($1::uuid[]) ORDER BY g.name, g.id`,
      [memberIds],
    );
    return rows.map((r) => ({ memberId: String(r.grid_member_id), grid: toGrid(r) }));
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
    const p = new Params();
    const cond: string[] = [];
    if (query.residentId) cond.push(`resident_id = ${p.add(query.residentId)}`);
    if (query.actorUserId) cond.push(`actor_user_id = ${p.add(query.actorUserId)}`);
    if (query.from) cond.push(`accessed_at >= ${p.add(query.from)}`);
    if (query.to) cond.push(`accessed_at <= ${p.add(query.to)}`);
    if (query.afterId) cond.push(`id < ${p.add(query.afterId)}::bigint`);
    const rows = await this.rows(
      `SELECT id::text, actor_user_id, actor_roles, resident_id, field, purpose, request_id, accessed_at
         FROM personal_data_access ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT ${p.add(query.limit)}`,
      p.values,
    );
    return rows.map(toAccess);
  }

  async keyGroupTags(): Promise<KeyGroupTag[]> {
    const rows = await this.rows(
      `SELECT code, name, visit_cadence_days FROM key_group_tags ORDER BY code`,
    );
    return rows.map(toKeyGroupTag);
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
