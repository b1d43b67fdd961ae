import type { EntityManager } from 'typeorm';
import {
  queryNestedCounts,
  queryNestedPage,
  Params,
  queryCount,
  queryRows,
  type KeysetRange,
  type NestedListing,
  type ParentRow,
  type Row,
} from '@liyuan/kit';
import type {
  ScheduledVisit,
  ScheduledVisitReason,
  Visit,
  VisitDue,
  VisitDueNotice,
} from '../domain/model';
import type { VisitStore } from '../domain/ports';

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

const toVisit = (r: Row): Visit => ({
  id: String(r.id),
  householdId: String(r.household_id),
  residentId: str(r.resident_id),
  gridId: String(r.grid_id),
  visitorUserId: String(r.visitor_user_id),
  visitedAt: r.visited_at as Date,
  notes: String(r.notes),
  followUpNeeded: r.follow_up_needed === true,
  scheduledVisitId: str(r.scheduled_visit_id),
});
const toScheduled = (r: Row): ScheduledVisit => ({
  id: String(r.id),
  householdId: String(r.household_id),
  gridId: String(r.grid_id),
  reason: r.reason as ScheduledVisitReason,
  referenceId: str(r.reference_id),
  dueOn: String(r.due_on),
  status: r.status as ScheduledVisit['status'],
  visitId: str(r.visit_id),
});
const toDue = (r: Row): VisitDue => ({
  householdId: String(r.household_id),
  gridId: String(r.grid_id),
  tags: r.tags as string[],
  cadenceDays: Number(r.cadence_days),
  lastVisitedAt: (r.last_visited_at as Date | null) ?? null,
  dueAt: r.due_at as Date,
});
const SCHEDULED_COLUMNS = `id, household_id, grid_id, reason, reference_id, to_char(due_on, 'YYYY-MM-DD') AS due_on, status, visit_id`;
const VISITS_OF_HOUSEHOLD: NestedListing = {
  columns: '*',
  from: 'visits',
  parent: 'household_id',
  key: 'visited_at',
  keyType: 'timestamptz',
  order: 'desc',
};

/**
 * The households of the grids `$1` due a visit at `$2`: the strictest cadence among the tags of a
 * household's active residents, against its last visit (or, never visited, its registration).
 */
const visitsDueOf = (grids: { households: string; visits: string }) => `WITH cadence AS (
    SELECT r.household_id, min(t.visit_cadence_days)::int AS cadence_days,
           array_agg(DISTINCT t.code ORDER BY t.code) AS tags
      FROM residents r
      JOIN households h ON h.id = r.household_id
      JOIN key_group_tags t ON t.code = ANY (r.tags) AND t.visit_cadence_days IS NOT NULL
     WHERE r.status = 'active' AND ${grids.households}
     GROUP BY r.household_id
  ), last_visit AS (
    SELECT household_id, max(visited_at) AS at FROM visits WHERE ${grids.visits} GROUP BY household_id
  ), due AS (
    SELECT h.id AS household_id, h.grid_id, c.tags, c.cadence_days, l.at AS last_visited_at,
           coalesce(l.at, h.created_at) + make_interval(days => c.cadence_days) AS due_at
      FROM cadence c
      JOIN households h ON h.id = c.household_id
      LEFT JOIN last_visit l ON l.household_id = h.id
  )`;
const VISITS_DUE = visitsDueOf({
  households: 'h.grid_id = ANY ($1)',
  visits: 'grid_id = ANY ($1)',
});
/** Every grid's households with their due instant (the visits-due watch). */
const VISITS_DUE_EVERYWHERE = visitsDueOf({ households: 'true', visits: 'true' });

/** Visits over one connection or transaction; each read is one statement. */
export class TypeOrmVisitStore implements VisitStore {
  constructor(private readonly m: EntityManager) {}

  private rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return queryRows(this.m, sql, params);
  }

  async insertVisit(v: Visit): Promise<void> {
    await this.m.query(
      `INSERT INTO visits (id, household_id, resident_id, grid_id, visitor_user_id, visited_at, notes,
                           follow_up_needed, scheduled_visit_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        v.id,
        v.householdId,
        v.residentId,
        v.gridId,
        v.visitorUserId,
        v.visitedAt,
        v.notes,
        v.followUpNeeded,
        v.scheduledVisitId,
      ],
    );
  }

  async visitsOfHouseholds(
    householdIds: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<Visit>[]> {
    return queryNestedPage(this.m, VISITS_OF_HOUSEHOLD, householdIds, range, toVisit);
  }

  async countVisitsOfHouseholds(householdIds: readonly string[]): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, VISITS_OF_HOUSEHOLD, householdIds);
  }

  async visitsDue(gridIds: string[], asOf: Date, range: KeysetRange): Promise<VisitDue[]> {
    const p = new Params();
    p.add(gridIds);
    p.add(asOf);
    const key = `date_trunc('milliseconds', due_at)`;
    const after = range.after
      ? `AND (${key}, household_id) > (${p.add(range.after[0])}::timestamptz, ${p.add(range.after[1])}::uuid)`
      : '';
    const rows = await this.rows(
      `${VISITS_DUE}
       SELECT * FROM due WHERE due_at < $2 ${after}
        ORDER BY ${key}, household_id LIMIT ${p.add(range.limit)}`,
      p.values,
    );
    return rows.map(toDue);
  }

  countVisitsDue(gridIds: string[], asOf: Date): Promise<number> {
    return queryCount(
      this.m,
      `${VISITS_DUE} SELECT count(*)::int AS n FROM due WHERE due_at < $2`,
      [gridIds, asOf],
    );
  }

  async noticeNewlyDue(asOf: Date, limit: number): Promise<VisitDueNotice[]> {
    const rows = await this.rows(
      `${VISITS_DUE_EVERYWHERE}
       INSERT INTO visit_due_notices (household_id, due_at, grid_id, cadence_days)
       SELECT d.household_id, d.due_at, d.grid_id, d.cadence_days FROM due d
        WHERE d.due_at < $1 AND d.due_at > (SELECT since FROM visit_due_watch)
          AND NOT EXISTS (SELECT 1 FROM visit_due_notices n
                           WHERE n.household_id = d.household_id AND n.due_at = d.due_at)
        ORDER BY d.due_at, d.household_id LIMIT $2
       ON CONFLICT DO NOTHING
       RETURNING household_id, grid_id, due_at, cadence_days`,
      [asOf, limit],
    );
    return rows.map((r) => ({
      householdId: String(r.household_id),
      gridId: String(r.grid_id),
      dueAt: r.due_at as Date,
      cadenceDays: Number(r.cadence_days),
    }));
  }

  async insertScheduledVisit(v: ScheduledVisit): Promise<boolean> {
    const rows = await this.rows(
      `INSERT INTO scheduled_visits (id, household_id, grid_id, reason, reference_id, due_on, status)
       VALUES ($1, $2, $3, $4, $5, $6, 'scheduled')
       ON CONFLICT DO NOTHING RETURNING id`,
      [v.id, v.householdId, v.gridId, v.reason, v.referenceId, v.dueOn],
    );
    return rows.length > 0;
  }

  async lockScheduledVisit(id: string): Promise<ScheduledVisit | undefined> {
    const rows = await this.rows(
      `SELECT ${SCHEDULED_COLUMNS} FROM scheduled_visits WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ? toScheduled(rows[0]) : undefined;
  }

  async completeScheduledVisit(id: string, visitId: string): Promise<void> {
    await this.m.query(`UPDATE scheduled_visits SET status = 'done', visit_id = $2 WHERE id = $1`, [
      id,
      visitId,
    ]);
  }

  async scheduledVisits(
    gridIds: string[],
    status: 'scheduled' | 'done',
    range: KeysetRange,
  ): Promise<ScheduledVisit[]> {
    const p = new Params();
    const cond = [`grid_id = ANY (${p.add(gridIds)})`, `status = ${p.add(status)}`];
    if (range.after)
      cond.push(`(due_on, id) > (${p.add(range.after[0])}::date, ${p.add(range.after[1])}::uuid)`);
    const rows = await this.rows(
      `SELECT ${SCHEDULED_COLUMNS} FROM scheduled_visits
        WHERE ${cond.join(' AND ')} ORDER BY due_on, id LIMIT ${p.add(range.limit)}`,
      p.values,
    );
    return rows.map(toScheduled);
  }

  countScheduledVisits(gridIds: string[], status: 'scheduled' | 'done'): Promise<number> {
    return queryCount(
      this.m,
      `SELECT count(*)::int AS n FROM scheduled_visits WHERE grid_id = ANY ($1) AND status = $2`,
      [gridIds, status],
    );
  }
}
