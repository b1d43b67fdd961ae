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
import type {
  Hours,
  LeaderboardEntry,
  Opportunity,
  ServiceRecord,
  Shift,
  Team,
  Volunteer,
} from '../domain/model';
import type { LeaderboardListing, VolunteersStore } from '../domain/ports';

/** Each resident's approved hours in [$1, $2), of grid $3's residents when it is not null. */
const HOURS = `
  SELECT v.resident_id, sum(r.hours)::float8 AS hours
    FROM service_records r JOIN volunteers v ON v.id = r.volunteer_id
   WHERE r.status = 'approved' AND r.served_on >= $1 AND r.served_on < $2
     AND ($3::uuid IS NULL OR v.resident_id IN (SELECT resident_id FROM known_residents WHERE grid_id = $3))
   GROUP BY v.resident_id`;

/** Opportunities open and not over at $1. */
const OPEN = `status = 'open' AND ends_at > $1`;

const toTeam = (r: Row): Team => ({
  id: String(r.id),
  name: String(r.name),
  kind: r.kind as Team['kind'],
  leadUserId: String(r.lead_user_id),
});
const toVolunteer = (r: Row): Volunteer => ({
  id: String(r.id),
  residentId: String(r.resident_id),
  skills: r.skills as string[],
  availability: String(r.availability),
  status: r.status as Volunteer['status'],
});
const toOpportunity = (r: Row): Opportunity => ({
  id: String(r.id),
  teamId: (r.team_id as string | null) ?? null,
  kind: r.kind as Opportunity['kind'],
  title: String(r.title),
  facilityId: (r.facility_id as string | null) ?? null,
  startsAt: r.starts_at as Date,
  endsAt: r.ends_at as Date,
  slots: Number(r.slots),
  status: r.status as Opportunity['status'],
});
const toShift = (r: Row): Shift => ({
  id: String(r.id),
  opportunityId: String(r.opportunity_id),
  startsAt: r.starts_at as Date,
  endsAt: r.ends_at as Date,
  slots: Number(r.slots),
});
const toRecord = (r: Row): ServiceRecord => ({
  id: String(r.id),
  volunteerId: String(r.volunteer_id),
  opportunityId: (r.opportunity_id as string | null) ?? null,
  shiftId: (r.shift_id as string | null) ?? null,
  activityId: (r.activity_id as string | null) ?? null,
  teamId: (r.team_id as string | null) ?? null,
  hours: Number(r.hours),
  servedOn: r.served_on as Date,
  status: r.status as ServiceRecord['status'],
});

/** Sign-ups that hold a slot of a shift. */
const HOLDING = `s.status IN ('signed_up', 'checked_in')`;

/** A volunteer's shifts by start, soonest first. */
const SHIFTS_OF_VOLUNTEER: NestedListing = {
  columns: 'sh.*',
  from: 'signups s JOIN shifts sh ON sh.id = s.shift_id',
  parent: 's.volunteer_id',
  key: 'sh.starts_at',
  keyType: 'timestamptz',
  id: 'sh.id',
  order: 'asc',
};
/** A shift the volunteer holds a slot of that has not ended by `now`. */
const heldAndAhead =
  (now: Date): Conditions =>
  (p) => [`${HOLDING} AND sh.ends_at > ${p.add(now)}`];
/** A volunteer's service records by the time served, newest first. */
const RECORDS_OF_VOLUNTEER: NestedListing = {
  columns: '*',
  from: 'service_records',
  parent: 'volunteer_id',
  key: 'served_on',
  keyType: 'timestamptz',
  order: 'desc',
};

/** The volunteers database over TypeORM's manager; every list read is one statement. */
export class TypeOrmVolunteersStore implements VolunteersStore {
  constructor(private readonly m: EntityManager) {}
  private rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return queryRows(this.m, sql, params);
  }

  async insertTeam(t: Team): Promise<void> {
    await this.rows(`INSERT INTO teams (id, name, kind, lead_user_id) VALUES ($1, $2, $3, $4)`, [
      t.id,
      t.name,
      t.kind,
      t.leadUserId,
    ]);
  }
  async teamsByIds(ids: readonly string[]): Promise<Team[]> {
    return ids.length
      ? (await this.rows(`SELECT * FROM teams WHERE id = ANY ($1)`, [ids])).map(toTeam)
      : [];
  }
  async allTeams(): Promise<Team[]> {
    return (await this.rows(`SELECT * FROM teams ORDER BY name, id`)).map(toTeam);
  }
  /** Whether facilities announced the facility (FacilityAdded). */
  knownFacility(facilityId: string): Promise<boolean> {
    return isKnownFacility(this.m, facilityId);
  }
  async repairTeam(): Promise<Team | undefined> {
    const [row] = await this.rows(
      `SELECT * FROM teams WHERE kind = 'repair' ORDER BY created_at LIMIT 1`,
    );
    return row ? toTeam(row) : undefined;
  }
  async addMember(teamId: string, volunteerId: string): Promise<void> {
    await this.rows(
      `INSERT INTO team_members (team_id, volunteer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [teamId, volunteerId],
    );
  }
  async teamsOfVolunteers(ids: readonly string[]): Promise<{ volunteerId: string; team: Team }[]> {
    if (!ids.length) return [];
    const rows = await this.rows(
      `SELECT tm.volunteer_id, t.* FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.volunteer_id = ANY ($1) ORDER BY t.name`,
      [ids],
    );
    return rows.map((r) => ({ volunteerId: String(r.volunteer_id), team: toTeam(r) }));
  }

  /** The registry status of each resident the residents' events announced (others are absent). */
  knownResidents(ids: readonly string[]): Promise<Map<string, KnownResidentStatus>> {
    return knownResidentStatuses(this.m, ids);
  }

  async insertVolunteer(v: Volunteer): Promise<boolean> {
    return (
      (
        await this.rows(
          `INSERT INTO volunteers (id, resident_id, skills, availability) VALUES ($1, $2, $3, $4) ON CONFLICT (resident_id) DO NOTHING RETURNING id`,
          [v.id, v.residentId, v.skills, v.availability],
        )
      ).length > 0
    );
  }
  async volunteersByIds(ids: readonly string[]): Promise<Volunteer[]> {
    return ids.length
      ? (await this.rows(`SELECT * FROM volunteers WHERE id = ANY ($1)`, [ids])).map(toVolunteer)
      : [];
  }
  async volunteersOfResidents(residentIds: readonly string[]): Promise<Volunteer[]> {
    return residentIds.length
      ? (
          await this.rows(`SELECT * FROM volunteers WHERE resident_id = ANY ($1)`, [residentIds])
        ).map(toVolunteer)
      : [];
  }
  async lockVolunteerOfResident(residentId: string): Promise<Volunteer | undefined> {
    const [row] = await this.rows(`SELECT * FROM volunteers WHERE resident_id = $1 FOR UPDATE`, [
      residentId,
    ]);
    return row ? toVolunteer(row) : undefined;
  }
  async deactivate(residentId: string): Promise<Volunteer | undefined> {
    const [row] = await this.rows(
      `UPDATE volunteers SET status = 'inactive' WHERE resident_id = $1 RETURNING *`,
      [residentId],
    );
    return row ? toVolunteer(row) : undefined;
  }

  /**
   * Inserts the opportunity and its shifts unless an opportunity with the same source reference
   * exists; returns whether it inserted.
   */
  async insertOpportunity(
    o: Opportunity,
    shifts: readonly Shift[],
    sourceRef: string | null,
  ): Promise<boolean> {
    const inserted = await this.rows(
      `INSERT INTO opportunities (id, team_id, kind, title, facility_id, starts_at, ends_at, slots, source_ref)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (source_ref) DO NOTHING RETURNING id`,
      [o.id, o.teamId, o.kind, o.title, o.facilityId, o.startsAt, o.endsAt, o.slots, sourceRef],
    );
    if (!inserted.length) return false;
    await this.rows(
      `INSERT INTO shifts (id, opportunity_id, starts_at, ends_at, slots)
       SELECT id, $2, starts_at, ends_at, slots
         FROM unnest($1::uuid[], $3::timestamptz[], $4::timestamptz[], $5::int[]) AS s (id, starts_at, ends_at, slots)`,
      [
        shifts.map((s) => s.id),
        o.id,
        shifts.map((s) => s.startsAt),
        shifts.map((s) => s.endsAt),
        shifts.map((s) => s.slots),
      ],
    );
    return true;
  }
  async opportunitiesByIds(ids: readonly string[]): Promise<Opportunity[]> {
    return ids.length
      ? (await this.rows(`SELECT * FROM opportunities WHERE id = ANY ($1)`, [ids])).map(
          toOpportunity,
        )
      : [];
  }
  async openOpportunities(now: Date, range: KeysetRange): Promise<Opportunity[]> {
    const params = new Params();
    params.add(now);
    const after = range.after
      ? `AND (date_trunc('milliseconds', starts_at), id) > (${params.add(range.after[0])}::timestamptz, ${params.add(range.after[1])}::uuid)`
      : '';
    return (
      await this.rows(
        `SELECT * FROM opportunities WHERE ${OPEN} ${after}
          ORDER BY date_trunc('milliseconds', starts_at), id LIMIT ${params.add(range.limit)}`,
        params.values,
      )
    ).map(toOpportunity);
  }
  countOpenOpportunities(now: Date): Promise<number> {
    return queryCount(this.m, `SELECT count(*)::int AS n FROM opportunities WHERE ${OPEN}`, [now]);
  }
  async opportunityBySource(sourceRef: string): Promise<Opportunity | undefined> {
    const [row] = await this.rows(`SELECT * FROM opportunities WHERE source_ref = $1`, [sourceRef]);
    return row ? toOpportunity(row) : undefined;
  }
  async shiftsOfOpportunities(ids: readonly string[]): Promise<Shift[]> {
    return ids.length
      ? (
          await this.rows(
            `SELECT * FROM shifts WHERE opportunity_id = ANY ($1) ORDER BY starts_at, id`,
            [ids],
          )
        ).map(toShift)
      : [];
  }
  async shiftsByIds(ids: readonly string[]): Promise<Shift[]> {
    return ids.length
      ? (await this.rows(`SELECT * FROM shifts WHERE id = ANY ($1)`, [ids])).map(toShift)
      : [];
  }
  /** The shift, locked (sign-ups to it wait), with its opportunity. */
  async lockShift(id: string): Promise<{ shift: Shift; opportunity: Opportunity } | undefined> {
    const [row] = await this.rows(`SELECT * FROM shifts WHERE id = $1 FOR UPDATE`, [id]);
    if (!row) return undefined;
    const shift = toShift(row);
    const [opportunity] = await this.opportunitiesByIds([shift.opportunityId]);
    return { shift, opportunity: opportunity! };
  }
  /** Slots taken (sign-ups not cancelled) of each shift. */
  async takenOfShifts(ids: readonly string[]): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    const rows = await this.rows(
      `SELECT shift_id, count(*)::int AS n FROM signups WHERE shift_id = ANY ($1) AND status <> 'cancelled' GROUP BY shift_id`,
      [ids],
    );
    return new Map(rows.map((r) => [String(r.shift_id), Number(r.n)]));
  }
  /** Whether the volunteer holds a sign-up (not cancelled) for a shift overlapping [from, to). */
  async overlappingSignup(volunteerId: string, from: Date, to: Date): Promise<boolean> {
    const rows = await this.rows(
      `SELECT 1 FROM signups s JOIN shifts sh ON sh.id = s.shift_id
        WHERE s.volunteer_id = $1 AND s.status <> 'cancelled' AND sh.starts_at < $3 AND sh.ends_at > $2 LIMIT 1`,
      [volunteerId, from, to],
    );
    return rows.length > 0;
  }
  async signUp(id: string, shift: Shift, volunteerId: string): Promise<void> {
    await this.rows(
      `INSERT INTO signups (id, opportunity_id, shift_id, volunteer_id, status) VALUES ($1, $2, $3, $4, 'signed_up')
       ON CONFLICT (shift_id, volunteer_id) DO UPDATE SET status = 'signed_up'`,
      [id, shift.opportunityId, shift.id, volunteerId],
    );
  }
  async signupOf(
    shiftId: string,
    volunteerId: string,
  ): Promise<{ id: string; status: string; checkedInAt: Date | null } | undefined> {
    const [row] = await this.rows(
      `SELECT id, status, checked_in_at FROM signups WHERE shift_id = $1 AND volunteer_id = $2 FOR UPDATE`,
      [shiftId, volunteerId],
    );
    return row
      ? {
          id: String(row.id),
          status: String(row.status),
          checkedInAt: (row.checked_in_at as Date | null) ?? null,
        }
      : undefined;
  }
  async setSignup(shiftId: string, volunteerId: string, status: string): Promise<void> {
    await this.rows(
      `UPDATE signups SET status = $3,
              checked_in_at = CASE WHEN $3 = 'checked_in' THEN now() ELSE checked_in_at END,
              checked_out_at = CASE WHEN $3 = 'checked_out' THEN now() ELSE checked_out_at END
        WHERE shift_id = $1 AND volunteer_id = $2`,
      [shiftId, volunteerId, status],
    );
  }
  async upcomingShiftsOf(
    volunteerIds: readonly string[],
    now: Date,
    range: KeysetRange,
  ): Promise<ParentRow<Shift>[]> {
    return queryNestedPage(
      this.m,
      SHIFTS_OF_VOLUNTEER,
      volunteerIds,
      range,
      toShift,
      heldAndAhead(now),
    );
  }
  async countUpcomingShiftsOf(
    volunteerIds: readonly string[],
    now: Date,
  ): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, SHIFTS_OF_VOLUNTEER, volunteerIds, heldAndAhead(now));
  }
  async cancelFutureSignupsOf(volunteerId: string, after: Date): Promise<string[]> {
    return (
      await this.rows(
        `UPDATE signups s SET status = 'cancelled' FROM shifts sh
          WHERE sh.id = s.shift_id AND s.volunteer_id = $1 AND s.status = 'signed_up' AND sh.starts_at > $2 RETURNING s.shift_id`,
        [volunteerId, after],
      )
    ).map((r) => String(r.shift_id));
  }

  async insertRecord(r: ServiceRecord): Promise<boolean> {
    return (
      (
        await this.rows(
          `INSERT INTO service_records (id, volunteer_id, opportunity_id, shift_id, activity_id, team_id, hours, served_on, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
          [
            r.id,
            r.volunteerId,
            r.opportunityId,
            r.shiftId,
            r.activityId,
            r.teamId,
            r.hours,
            r.servedOn,
            r.status,
          ],
        )
      ).length > 0
    );
  }
  async lockRecord(id: string): Promise<ServiceRecord | undefined> {
    const [row] = await this.rows(`SELECT * FROM service_records WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toRecord(row) : undefined;
  }
  async recordsByIds(ids: readonly string[]): Promise<ServiceRecord[]> {
    return ids.length
      ? (await this.rows(`SELECT * FROM service_records WHERE id = ANY ($1)`, [ids])).map(toRecord)
      : [];
  }
  async approveRecord(id: string, by: string): Promise<void> {
    await this.rows(
      `UPDATE service_records SET status = 'approved', approved_by = $2, approved_at = now() WHERE id = $1`,
      [id, by],
    );
  }
  async recordsOfVolunteers(
    ids: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<ServiceRecord>[]> {
    return queryNestedPage(this.m, RECORDS_OF_VOLUNTEER, ids, range, toRecord);
  }
  async countRecordsOfVolunteers(ids: readonly string[]): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, RECORDS_OF_VOLUNTEER, ids);
  }
  /** Each volunteer's approved and pending hours (volunteers without records are absent). */
  async hoursOf(ids: readonly string[]): Promise<Map<string, Hours>> {
    if (!ids.length) return new Map();
    const rows = await this.rows(
      `SELECT volunteer_id,
              coalesce(sum(hours) FILTER (WHERE status = 'approved'), 0)::float8 AS approved,
              coalesce(sum(hours) FILTER (WHERE status = 'pending'), 0)::float8 AS pending
         FROM service_records WHERE volunteer_id = ANY ($1) GROUP BY volunteer_id`,
      [ids],
    );
    return new Map(
      rows.map((r) => [
        String(r.volunteer_id),
        { approved: Number(r.approved), pending: Number(r.pending) },
      ]),
    );
  }

  /** The latest balance of each volunteer (0 without entries). */
  async balances(volunteerIds: readonly string[]): Promise<Map<string, number>> {
    if (!volunteerIds.length) return new Map();
    const rows = await this.rows(
      `SELECT DISTINCT ON (volunteer_id) volunteer_id, balance_after FROM time_bank WHERE volunteer_id = ANY ($1) ORDER BY volunteer_id, id DESC`,
      [volunteerIds],
    );
    return new Map(rows.map((r) => [String(r.volunteer_id), Number(r.balance_after)]));
  }
  /** Appends an entry computed from the current balance; the caller holds the volunteer's row lock. */
  async appendBank(
    volunteerId: string,
    delta: number,
    reason: 'earned' | 'redeemed',
    reference: string,
  ): Promise<number> {
    const balance = ((await this.balances([volunteerId])).get(volunteerId) ?? 0) + delta;
    await this.rows(
      `INSERT INTO time_bank (volunteer_id, delta, reason, reference, balance_after) VALUES ($1, $2, $3, $4, $5)`,
      [volunteerId, delta, reason, reference, balance],
    );
    return balance;
  }
  async leaderboard(
    listing: LeaderboardListing,
    range: KeysetRange<readonly [number, string]>,
  ): Promise<LeaderboardEntry[]> {
    const params = new Params();
    for (const v of [listing.from, listing.to, listing.gridId]) params.add(v);
    const after = range.after
      ? `WHERE b.hours < ${params.add(range.after[0])}::float8
            OR (b.hours = $${params.values.length}::float8 AND b.resident_id > ${params.add(range.after[1])}::uuid)`
      : '';
    const rows = await this.rows(
      `SELECT b.resident_id, b.hours FROM (${HOURS}) b ${after}
        ORDER BY b.hours DESC, b.resident_id LIMIT ${params.add(range.limit)}`,
      params.values,
    );
    return rows.map((r) => ({ residentId: String(r.resident_id), hours: Number(r.hours) }));
  }
  countLeaderboard(listing: LeaderboardListing): Promise<number> {
    return queryCount(this.m, `SELECT count(*)::int AS n FROM (${HOURS}) b`, [
      listing.from,
      listing.to,
      listing.gridId,
    ]);
  }
}
