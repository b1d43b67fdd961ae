import type { EntityManager } from 'typeorm';
import {
  isKnownFacility,
  queryNestedCounts,
  queryNestedPage,
  knownResidentStatuses,
  Params,
  queryCount,
  queryRows,
  type KeysetRange,
  type Conditions,
  type KnownResidentStatus,
  type NestedListing,
  type ParentRow,
  type Row,
} from '@liyuan/kit';
import type { Activity, ActivityStatus, Branch, Member, PointsEntry, Space } from '../domain/model';
import type { SpacesStore } from '../domain/ports';

const toBranch = (r: Row): Branch => ({
  id: String(r.id),
  name: String(r.name),
  kind: r.kind as Branch['kind'],
});
const MEMBER_COLUMNS = `id, resident_id, branch_id, to_char(joined_on, 'YYYY-MM-DD') AS joined_on, reported_to_community, service_post, status`;
const toMember = (r: Row): Member => ({
  id: String(r.id),
  residentId: String(r.resident_id),
  branchId: String(r.branch_id),
  joinedOn: String(r.joined_on),
  reportedToCommunity: Boolean(r.reported_to_community),
  servicePost: (r.service_post as string | null) ?? null,
  status: r.status as Member['status'],
});
const toSpace = (r: Row): Space => ({
  id: String(r.id),
  name: String(r.name),
  theme: r.theme as Space['theme'],
  facilityId: String(r.facility_id),
});
const toActivity = (r: Row): Activity => ({
  id: String(r.id),
  spaceId: String(r.space_id),
  facilityId: String(r.facility_id),
  title: String(r.title),
  startsAt: r.starts_at as Date,
  endsAt: r.ends_at as Date,
  capacity: Number(r.capacity),
  status: r.status as ActivityStatus,
  venueRejectionReason: (r.venue_rejection_reason as string | null) ?? null,
  organiser: String(r.organiser),
});

const toPointsEntry = (r: Row): PointsEntry => ({
  id: String(r.id),
  memberId: String(r.member_id),
  delta: Number(r.delta),
  reason: r.reason as PointsEntry['reason'],
  reference: String(r.reference),
  at: r.at as Date,
});

const MEMBERS_OF_BRANCH: NestedListing = {
  columns: MEMBER_COLUMNS,
  from: 'party_members m',
  parent: 'm.branch_id',
  key: 'm.joined_on',
  keyType: 'date',
  id: 'm.id',
  order: 'asc',
};
const UPCOMING_AT_FACILITY: NestedListing = {
  columns: '*',
  from: 'activities',
  parent: 'facility_id',
  key: 'starts_at',
  keyType: 'timestamptz',
  order: 'asc',
};
const ACTIVITIES_OF_SPACE: NestedListing = { ...UPCOMING_AT_FACILITY, parent: 'space_id' };
const ATTENDED_BY_RESIDENT: NestedListing = {
  columns: 'a.*',
  from: 'registrations r JOIN activities a ON a.id = r.activity_id',
  parent: 'r.resident_id',
  key: 'a.starts_at',
  keyType: 'timestamptz',
  id: 'a.id',
  order: 'desc',
};
const LEDGER_OF_MEMBER: NestedListing = {
  columns: '*',
  from: 'points_ledger',
  parent: 'member_id',
  key: 'id',
  keyType: 'bigint',
  id: null,
  order: 'desc',
};
/** An activity still ahead: planned or confirmed, starting after `now`. */
const upcoming =
  (now: Date): Conditions =>
  (p) => [`starts_at > ${p.add(now)} AND status IN ('planned', 'confirmed')`];
/** An activity the resident attended: checked in, and completed. */
const attended: Conditions = () => [`r.status = 'checked_in' AND a.status = 'completed'`];
/** Only these residents' memberships, when given. */
const membersAmong =
  (residentIds?: readonly string[]): Conditions =>
  (p) =>
    residentIds ? [`m.resident_id = ANY (${p.add(residentIds)})`] : [];

/** The shared-spaces database over TypeORM's manager; every list read is one statement. */
export class TypeOrmSpacesStore implements SpacesStore {
  constructor(private readonly m: EntityManager) {}

  private rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return queryRows(this.m, sql, params);
  }

  /** The registry status of each resident the residents' events announced (others are absent). */
  knownResidents(ids: readonly string[]): Promise<Map<string, KnownResidentStatus>> {
    return knownResidentStatuses(this.m, ids);
  }
  /** Whether facilities announced the facility (FacilityAdded). */
  knownFacility(facilityId: string): Promise<boolean> {
    return isKnownFacility(this.m, facilityId);
  }

  async insertBranch(b: Branch): Promise<void> {
    await this.m.query(`INSERT INTO party_branches (id, name, kind) VALUES ($1, $2, $3)`, [
      b.id,
      b.name,
      b.kind,
    ]);
  }
  async branchesByIds(ids: readonly string[]): Promise<Branch[]> {
    return ids.length
      ? (await this.rows(`SELECT * FROM party_branches WHERE id = ANY ($1)`, [ids])).map(toBranch)
      : [];
  }
  async allBranches(): Promise<Branch[]> {
    return (await this.rows(`SELECT * FROM party_branches ORDER BY name, id`)).map(toBranch);
  }
  /** Inserts unless the resident is already a member; returns whether it inserted. */
  async insertMember(m: Member): Promise<boolean> {
    const rows = await this.rows(
      `INSERT INTO party_members (id, resident_id, branch_id, joined_on, reported_to_community, service_post)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (resident_id) DO NOTHING RETURNING id`,
      [m.id, m.residentId, m.branchId, m.joinedOn, m.reportedToCommunity, m.servicePost],
    );
    return rows.length > 0;
  }
  async membersByIds(ids: readonly string[]): Promise<Member[]> {
    return ids.length
      ? (
          await this.rows(`SELECT ${MEMBER_COLUMNS} FROM party_members WHERE id = ANY ($1)`, [ids])
        ).map(toMember)
      : [];
  }
  async membersOfResidents(residentIds: readonly string[]): Promise<Member[]> {
    return residentIds.length
      ? (
          await this.rows(
            `SELECT ${MEMBER_COLUMNS} FROM party_members WHERE resident_id = ANY ($1)`,
            [residentIds],
          )
        ).map(toMember)
      : [];
  }
  async membersOfBranches(
    branchIds: readonly string[],
    range: KeysetRange,
    residentIds?: readonly string[],
  ): Promise<ParentRow<Member>[]> {
    return queryNestedPage(
      this.m,
      MEMBERS_OF_BRANCH,
      branchIds,
      range,
      toMember,
      membersAmong(residentIds),
    );
  }
  async countMembersOfBranches(
    branchIds: readonly string[],
    residentIds?: readonly string[],
  ): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, MEMBERS_OF_BRANCH, branchIds, membersAmong(residentIds));
  }
  async transferMember(residentId: string): Promise<number> {
    return (
      await this.rows(
        `UPDATE party_members SET status = 'transferred' WHERE resident_id = $1 AND status = 'active' RETURNING id`,
        [residentId],
      )
    ).length;
  }

  async insertSpace(s: Space): Promise<void> {
    await this.m.query(
      `INSERT INTO shared_spaces (id, name, theme, facility_id) VALUES ($1, $2, $3, $4)`,
      [s.id, s.name, s.theme, s.facilityId],
    );
  }
  async spacesByIds(ids: readonly string[]): Promise<Space[]> {
    return ids.length
      ? (await this.rows(`SELECT * FROM shared_spaces WHERE id = ANY ($1)`, [ids])).map(toSpace)
      : [];
  }
  async allSpaces(): Promise<Space[]> {
    return (await this.rows(`SELECT * FROM shared_spaces ORDER BY name, id`)).map(toSpace);
  }
  async spacesOfFacilities(facilityIds: readonly string[]): Promise<Space[]> {
    return facilityIds.length
      ? (
          await this.rows(
            `SELECT * FROM shared_spaces WHERE facility_id = ANY ($1) ORDER BY name`,
            [facilityIds],
          )
        ).map(toSpace)
      : [];
  }

  async insertActivity(a: Activity): Promise<void> {
    await this.m.query(
      `INSERT INTO activities (id, space_id, facility_id, title, starts_at, ends_at, capacity, status, organiser)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        a.id,
        a.spaceId,
        a.facilityId,
        a.title,
        a.startsAt,
        a.endsAt,
        a.capacity,
        a.status,
        a.organiser,
      ],
    );
  }
  async activitiesByIds(ids: readonly string[]): Promise<Activity[]> {
    return ids.length
      ? (await this.rows(`SELECT * FROM activities WHERE id = ANY ($1)`, [ids])).map(toActivity)
      : [];
  }
  async lockActivity(id: string): Promise<Activity | undefined> {
    const [row] = await this.rows(`SELECT * FROM activities WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toActivity(row) : undefined;
  }
  async setActivityStatus(
    id: string,
    status: ActivityStatus,
    reason: string | null = null,
  ): Promise<void> {
    await this.m.query(
      `UPDATE activities SET status = $2, venue_rejection_reason = coalesce($3, venue_rejection_reason) WHERE id = $1`,
      [id, status, reason],
    );
  }
  async upcomingAtFacilities(
    facilityIds: readonly string[],
    now: Date,
    range: KeysetRange,
  ): Promise<ParentRow<Activity>[]> {
    return queryNestedPage(
      this.m,
      UPCOMING_AT_FACILITY,
      facilityIds,
      range,
      toActivity,
      upcoming(now),
    );
  }
  async countUpcomingAtFacilities(
    facilityIds: readonly string[],
    now: Date,
  ): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, UPCOMING_AT_FACILITY, facilityIds, upcoming(now));
  }
  async upcomingPage(now: Date, range: KeysetRange): Promise<Activity[]> {
    const params = new Params();
    const cond = [`starts_at > ${params.add(now)} AND status IN ('planned', 'confirmed')`];
    if (range.after)
      cond.push(
        `(date_trunc('milliseconds', starts_at), id) > (${params.add(range.after[0])}::timestamptz, ${params.add(range.after[1])}::uuid)`,
      );
    return (
      await this.rows(
        `SELECT * FROM activities WHERE ${cond.join(' AND ')}
          ORDER BY date_trunc('milliseconds', starts_at), id LIMIT ${params.add(range.limit)}`,
        params.values,
      )
    ).map(toActivity);
  }
  countUpcoming(now: Date): Promise<number> {
    return queryCount(
      this.m,
      `SELECT count(*)::int AS n FROM activities WHERE starts_at > $1 AND status IN ('planned', 'confirmed')`,
      [now],
    );
  }
  async activitiesOfSpaces(
    spaceIds: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<Activity>[]> {
    return queryNestedPage(this.m, ACTIVITIES_OF_SPACE, spaceIds, range, toActivity);
  }
  async countActivitiesOfSpaces(spaceIds: readonly string[]): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, ACTIVITIES_OF_SPACE, spaceIds);
  }

  async registeredCounts(activityIds: readonly string[]): Promise<Map<string, number>> {
    if (!activityIds.length) return new Map();
    const rows = await this.rows(
      `SELECT activity_id, count(*)::int AS n FROM registrations WHERE activity_id = ANY ($1) AND status <> 'cancelled' GROUP BY activity_id`,
      [activityIds],
    );
    return new Map(rows.map((r) => [String(r.activity_id), Number(r.n)]));
  }
  async registrationStatus(activityId: string, residentId: string): Promise<string | undefined> {
    const [row] = await this.rows(
      `SELECT status FROM registrations WHERE activity_id = $1 AND resident_id = $2`,
      [activityId, residentId],
    );
    return row ? String(row.status) : undefined;
  }
  async register(activityId: string, residentId: string): Promise<void> {
    await this.m.query(
      `INSERT INTO registrations (activity_id, resident_id, status) VALUES ($1, $2, 'registered')
       ON CONFLICT (activity_id, resident_id) DO UPDATE SET status = 'registered', registered_at = now()`,
      [activityId, residentId],
    );
  }
  async setRegistration(
    activityId: string,
    residentId: string,
    status: 'cancelled' | 'checked_in',
  ): Promise<void> {
    await this.m.query(
      `UPDATE registrations SET status = $3 WHERE activity_id = $1 AND resident_id = $2`,
      [activityId, residentId, status],
    );
  }
  async checkedIn(activityId: string): Promise<string[]> {
    return (
      await this.rows(
        `SELECT resident_id FROM registrations WHERE activity_id = $1 AND status = 'checked_in' ORDER BY resident_id`,
        [activityId],
      )
    ).map((r) => String(r.resident_id));
  }
  async cancelFutureRegistrationsOf(residentId: string, after: Date): Promise<string[]> {
    return (
      await this.rows(
        `UPDATE registrations r SET status = 'cancelled' FROM activities a
          WHERE a.id = r.activity_id AND r.resident_id = $1 AND r.status = 'registered' AND a.starts_at > $2 RETURNING r.activity_id`,
        [residentId, after],
      )
    ).map((r) => String(r.activity_id));
  }
  async attendedBy(
    residentIds: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<Activity>[]> {
    return queryNestedPage(this.m, ATTENDED_BY_RESIDENT, residentIds, range, toActivity, attended);
  }
  async countAttendedBy(residentIds: readonly string[]): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, ATTENDED_BY_RESIDENT, residentIds, attended);
  }

  /** Appends a points entry unless the same member, reason and reference already earned it. */
  async credit(e: Omit<PointsEntry, 'id' | 'at'>): Promise<boolean> {
    const rows = await this.rows(
      `INSERT INTO points_ledger (member_id, delta, reason, reference) VALUES ($1, $2, $3, $4)
       ON CONFLICT (member_id, reason, reference) DO NOTHING RETURNING id`,
      [e.memberId, e.delta, e.reason, e.reference],
    );
    return rows.length > 0;
  }
  async ledgerOf(
    memberIds: readonly string[],
    range: KeysetRange<readonly [string]>,
  ): Promise<ParentRow<PointsEntry>[]> {
    return queryNestedPage(this.m, LEDGER_OF_MEMBER, memberIds, range, toPointsEntry);
  }
  async countLedgers(memberIds: readonly string[]): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, LEDGER_OF_MEMBER, memberIds);
  }
  /** Each member's points balance (members without entries are absent). */
  async pointsOf(memberIds: readonly string[]): Promise<Map<string, number>> {
    if (!memberIds.length) return new Map();
    const rows = await this.rows(
      `SELECT member_id, sum(delta)::int AS n FROM points_ledger
        WHERE member_id = ANY ($1) GROUP BY member_id`,
      [memberIds],
    );
    return new Map(rows.map((r) => [String(r.member_id), Number(r.n)]));
  }
}
