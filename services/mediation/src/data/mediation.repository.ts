import type { EntityManager } from 'typeorm';
import {
  knownResidentStatuses,
  queryNestedCounts,
  queryNestedPage,
  Params,
  queryRows,
  type KnownResidentStatus,
  type NestedListing,
  type ParentRow,
  type Row,
} from '@liyuan/kit';
import type { CaseStatus, Outcome } from '../domain/case-status';
import type {
  Agreement,
  Category,
  DisputeCase,
  FollowUp,
  Mediator,
  OverdueItem,
  Party,
  Session,
} from '../domain/model';
import type { CaseListing, MediationStore } from '../domain/ports';

/**
 * What is overdue as of $1: accepted cases with no outcome a month after acceptance, and late
 * follow-ups; `since` is the deadline, to the millisecond (as cursors carry it).
 */
const OVERDUE = `
  SELECT id AS item_id, id AS case_id, 'NOT_RESOLVED_IN_A_MONTH' AS reason,
         date_trunc('milliseconds', accepted_at + interval '1 month') AS since
    FROM cases WHERE status IN ('accepted', 'in_mediation') AND accepted_at + interval '1 month' < $1
  UNION ALL
  SELECT id, case_id, 'FOLLOW_UP_LATE', due_on::timestamptz + interval '1 day'
    FROM follow_ups WHERE done_at IS NULL AND due_on < ($1::timestamptz AT TIME ZONE 'Asia/Shanghai')::date`;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

const toCase = (r: Row): DisputeCase => ({
  id: String(r.id),
  category: r.category as DisputeCase['category'],
  source: r.source as DisputeCase['source'],
  referralFrom: str(r.referral_from),
  serviceRequestId: str(r.service_request_id),
  summary: String(r.summary),
  status: r.status as CaseStatus,
  outcome: (r.outcome as Outcome | null) ?? null,
  outcomeNote: str(r.outcome_note),
  filedAt: r.filed_at as Date,
  acceptedAt: (r.accepted_at as Date | null) ?? null,
  resolvedAt: (r.resolved_at as Date | null) ?? null,
  partyMovedOutAt: (r.party_moved_out_at as Date | null) ?? null,
  createdBy: String(r.created_by),
});
const toMediator = (r: Row): Mediator => ({
  id: String(r.id),
  name: String(r.name),
  userId: String(r.user_id),
  specialties: r.specialties as Category[],
});
const toFollowUp = (r: Row): FollowUp => ({
  id: String(r.id),
  caseId: String(r.case_id),
  agreementId: String(r.agreement_id),
  dueOn: String(r.due_on),
  doneAt: (r.done_at as Date | null) ?? null,
  outcome: str(r.outcome),
});
const FOLLOW_UP_COLUMNS = `id, case_id, agreement_id, to_char(due_on, 'YYYY-MM-DD') AS due_on, done_at, outcome`;

/** The cases a resident is party to, newest filed first. */
const CASES_OF_RESIDENT: NestedListing = {
  columns: 'c.*',
  from: 'case_parties p JOIN cases c ON c.id = p.case_id',
  parent: 'p.resident_id',
  key: 'c.filed_at',
  keyType: 'timestamptz',
  id: 'c.id',
  order: 'desc',
};

/** The mediation database over TypeORM's manager; every list read is one statement. */
export class TypeOrmMediationStore implements MediationStore {
  constructor(private readonly m: EntityManager) {}

  private rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return queryRows(this.m, sql, params);
  }

  async insertCase(c: DisputeCase, parties: Party[]): Promise<boolean> {
    const inserted = await this.rows(
      `INSERT INTO cases (id, category, source, referral_from, service_request_id, summary, status, filed_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (service_request_id) DO NOTHING RETURNING id`,
      [
        c.id,
        c.category,
        c.source,
        c.referralFrom,
        c.serviceRequestId,
        c.summary,
        c.status,
        c.filedAt,
        c.createdBy,
      ],
    );
    if (!inserted.length) return false;
    await this.m.query(
      `INSERT INTO case_parties (id, case_id, resident_id, role)
       SELECT p.id, $1, p.resident_id, p.role FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS p (id, resident_id, role)`,
      [
        c.id,
        parties.map((p) => p.id),
        parties.map((p) => p.residentId),
        parties.map((p) => p.role),
      ],
    );
    await this.m.query(
      `INSERT INTO case_changes (case_id, from_status, to_status, actor) VALUES ($1, NULL, $2, $3)`,
      [c.id, c.status, c.createdBy],
    );
    return true;
  }
  async casesByIds(ids: readonly string[]): Promise<DisputeCase[]> {
    if (!ids.length) return [];
    return (await this.rows(`SELECT * FROM cases WHERE id = ANY ($1)`, [ids])).map(toCase);
  }
  async lockCase(id: string): Promise<DisputeCase | undefined> {
    const [row] = await this.rows(`SELECT * FROM cases WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toCase(row) : undefined;
  }
  async setStatus(
    id: string,
    status: CaseStatus,
    c: {
      outcome?: Outcome;
      outcomeNote?: string | null;
      accepted?: boolean;
      resolved?: boolean;
      closed?: boolean;
    },
    actor: string,
    from: CaseStatus,
  ): Promise<void> {
    await this.m.query(
      `UPDATE cases SET status = $2, outcome = coalesce($3, outcome), outcome_note = coalesce($4, outcome_note),
              accepted_at = CASE WHEN $5 THEN now() ELSE accepted_at END,
              resolved_at = CASE WHEN $6 THEN now() ELSE resolved_at END,
              closed_at = CASE WHEN $7 THEN now() ELSE closed_at END
        WHERE id = $1`,
      [
        id,
        status,
        c.outcome ?? null,
        c.outcomeNote ?? null,
        Boolean(c.accepted),
        Boolean(c.resolved),
        Boolean(c.closed),
      ],
    );
    await this.m.query(
      `INSERT INTO case_changes (case_id, from_status, to_status, actor) VALUES ($1, $2, $3, $4)`,
      [id, from, status, actor],
    );
  }
  /** The conditions of a case listing, over `cases` (as `c` when it is joined to others). */
  private static listing(filter: CaseListing, params: Params, c = 'cases'): string[] {
    const p = (v: unknown) => params.add(v);
    const cond: string[] = [];
    const whose: string[] = [];
    if (filter.mediatorUserId) {
      whose.push(`${c}.id IN (SELECT cm.case_id FROM case_mediators cm JOIN mediators m ON m.id = cm.mediator_id
                              WHERE m.user_id = ${p(filter.mediatorUserId)})`);
    }
    if (filter.residentId)
      whose.push(
        `${c}.id IN (SELECT cp.case_id FROM case_parties cp WHERE cp.resident_id = ${p(filter.residentId)})`,
      );
    if (whose.length) cond.push(`(${whose.join(' OR ')})`);
    if (filter.status) cond.push(`${c}.status = ${p(filter.status)}`);
    return cond;
  }
  /** The cases of `residentIds` that `filter` lets through: `p` (their party rows) joined to `c` (the cases). */
  async listCases(
    filter: CaseListing,
    page: { after?: readonly [string, string]; limit: number },
  ): Promise<DisputeCase[]> {
    const params = new Params();
    const p = (v: unknown) => params.add(v);
    const cond = TypeOrmMediationStore.listing(filter, params);
    if (page.after)
      cond.push(`(filed_at, id) < (${p(page.after[0])}::timestamptz, ${p(page.after[1])}::uuid)`);
    return (
      await this.rows(
        `SELECT * FROM cases ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''}
          ORDER BY filed_at DESC, id DESC LIMIT ${p(page.limit)}`,
        params.values,
      )
    ).map(toCase);
  }
  async countCases(filter: CaseListing): Promise<number> {
    const params = new Params();
    const cond = TypeOrmMediationStore.listing(filter, params);
    const [row] = await this.rows(
      `SELECT count(*)::int AS n FROM cases ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''}`,
      params.values,
    );
    return Number(row?.n ?? 0);
  }
  async partiesOf(caseIds: readonly string[]): Promise<Party[]> {
    if (!caseIds.length) return [];
    const rows = await this.rows(
      `SELECT * FROM case_parties WHERE case_id = ANY ($1) ORDER BY case_id, role, resident_id`,
      [caseIds],
    );
    return rows.map((r) => ({
      id: String(r.id),
      caseId: String(r.case_id),
      residentId: String(r.resident_id),
      role: r.role as Party['role'],
      refusedAt: (r.refused_at as Date | null) ?? null,
    }));
  }
  async casesOfResidents(
    residentIds: readonly string[],
    filter: CaseListing,
    page: { after?: readonly [string, string]; limit: number },
  ): Promise<ParentRow<DisputeCase>[]> {
    return queryNestedPage(this.m, CASES_OF_RESIDENT, residentIds, page, toCase, (params) =>
      TypeOrmMediationStore.listing(filter, params, 'c'),
    );
  }
  async countCasesOfResidents(
    residentIds: readonly string[],
    filter: CaseListing,
  ): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, CASES_OF_RESIDENT, residentIds, (params) =>
      TypeOrmMediationStore.listing(filter, params, 'c'),
    );
  }
  async markRefused(caseId: string, residentId: string): Promise<void> {
    await this.m.query(
      `UPDATE case_parties SET refused_at = now() WHERE case_id = $1 AND resident_id = $2`,
      [caseId, residentId],
    );
  }
  async removeParty(caseId: string, partyId: string): Promise<void> {
    await this.m.query(`DELETE FROM case_parties WHERE case_id = $1 AND id = $2`, [
      caseId,
      partyId,
    ]);
  }
  knownResidents(ids: readonly string[]): Promise<Map<string, KnownResidentStatus>> {
    return knownResidentStatuses(this.m, ids);
  }
  async flagOpenCasesOf(residentId: string): Promise<number> {
    const rows = await this.rows(
      `UPDATE cases SET party_moved_out_at = now()
        WHERE status IN ('filed', 'accepted', 'in_mediation') AND party_moved_out_at IS NULL
          AND id IN (SELECT case_id FROM case_parties WHERE resident_id = $1)
        RETURNING id`,
      [residentId],
    );
    return rows.length;
  }

  async mediatorsByIds(ids: readonly string[]): Promise<Mediator[]> {
    if (!ids.length) return [];
    return (await this.rows(`SELECT * FROM mediators WHERE id = ANY ($1)`, [ids])).map(toMediator);
  }
  async allMediators(): Promise<Mediator[]> {
    return (await this.rows(`SELECT * FROM mediators ORDER BY name, id`)).map(toMediator);
  }
  async insertMediator(m: Mediator): Promise<void> {
    await this.m.query(
      `INSERT INTO mediators (id, name, user_id, specialties) VALUES ($1, $2, $3, $4)`,
      [m.id, m.name, m.userId, m.specialties],
    );
  }
  async assignMediator(
    caseId: string,
    mediatorId: string,
    chosenByParties: boolean,
  ): Promise<void> {
    await this.m.query(
      `INSERT INTO case_mediators (case_id, mediator_id, chosen_by_parties) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [caseId, mediatorId, chosenByParties],
    );
  }
  async mediatorsOf(caseIds: readonly string[]): Promise<{ caseId: string; mediator: Mediator }[]> {
    if (!caseIds.length) return [];
    const rows = await this.rows(
      `SELECT cm.case_id, m.* FROM case_mediators cm JOIN mediators m ON m.id = cm.mediator_id
        WHERE cm.case_id = ANY ($1) ORDER BY cm.assigned_at`,
      [caseIds],
    );
    return rows.map((r) => ({ caseId: String(r.case_id), mediator: toMediator(r) }));
  }

  async insertSession(s: Session): Promise<void> {
    await this.m.query(
      `INSERT INTO mediation_sessions (id, case_id, held_at, attendees, record) VALUES ($1, $2, $3, $4, $5)`,
      [s.id, s.caseId, s.heldAt, s.attendees, s.record],
    );
  }
  async sessionsOf(caseIds: readonly string[]): Promise<Session[]> {
    if (!caseIds.length) return [];
    const rows = await this.rows(
      `SELECT * FROM mediation_sessions WHERE case_id = ANY ($1) ORDER BY held_at, id`,
      [caseIds],
    );
    return rows.map((r) => ({
      id: String(r.id),
      caseId: String(r.case_id),
      heldAt: r.held_at as Date,
      attendees: r.attendees as string[],
      record: String(r.record),
    }));
  }
  async insertAgreement(a: Agreement): Promise<void> {
    await this.m.query(
      `INSERT INTO agreements (id, case_id, form, terms, signed_on) VALUES ($1, $2, $3, $4, $5)`,
      [a.id, a.caseId, a.form, a.terms, a.signedOn],
    );
  }
  async agreementsOf(caseIds: readonly string[]): Promise<Agreement[]> {
    if (!caseIds.length) return [];
    const rows = await this.rows(
      `SELECT id, case_id, form, terms, to_char(signed_on, 'YYYY-MM-DD') AS signed_on FROM agreements WHERE case_id = ANY ($1)`,
      [caseIds],
    );
    return rows.map((r) => ({
      id: String(r.id),
      caseId: String(r.case_id),
      form: r.form as Agreement['form'],
      terms: String(r.terms),
      signedOn: String(r.signed_on),
    }));
  }
  async insertFollowUp(f: FollowUp): Promise<void> {
    await this.m.query(
      `INSERT INTO follow_ups (id, case_id, agreement_id, due_on) VALUES ($1, $2, $3, $4)`,
      [f.id, f.caseId, f.agreementId, f.dueOn],
    );
  }
  async followUpsOf(caseIds: readonly string[]): Promise<FollowUp[]> {
    if (!caseIds.length) return [];
    return (
      await this.rows(
        `SELECT ${FOLLOW_UP_COLUMNS} FROM follow_ups WHERE case_id = ANY ($1) ORDER BY due_on, id`,
        [caseIds],
      )
    ).map(toFollowUp);
  }
  async lockFollowUp(id: string): Promise<FollowUp | undefined> {
    const [row] = await this.rows(
      `SELECT ${FOLLOW_UP_COLUMNS} FROM follow_ups WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row ? toFollowUp(row) : undefined;
  }
  async completeFollowUp(id: string, outcome: string): Promise<void> {
    await this.m.query(`UPDATE follow_ups SET done_at = now(), outcome = $2 WHERE id = $1`, [
      id,
      outcome,
    ]);
  }

  async overdue(
    asOf: Date,
    page: { after?: readonly [string, string]; limit: number },
  ): Promise<OverdueItem[]> {
    const params: unknown[] = [asOf, page.limit];
    const after = page.after ? `WHERE (o.since, o.item_id) > ($3::timestamptz, $4::uuid)` : '';
    if (page.after) params.push(...page.after);
    const rows = await this.rows(
      `SELECT o.item_id AS overdue_item_id, o.reason AS overdue_reason, o.since AS overdue_since, c.*
         FROM (${OVERDUE}) o JOIN cases c ON c.id = o.case_id
         ${after} ORDER BY o.since, o.item_id LIMIT $2`,
      params,
    );
    return rows.map((r) => ({
      itemId: String(r.overdue_item_id),
      case: toCase(r),
      reason: r.overdue_reason as OverdueItem['reason'],
      since: r.overdue_since as Date,
    }));
  }
  async countOverdue(asOf: Date): Promise<number> {
    const [row] = await this.rows(`SELECT count(*)::int AS n FROM (${OVERDUE}) o`, [asOf]);
    return Number(row?.n ?? 0);
  }
  async casesFiledBetween(from: string, to: string): Promise<DisputeCase[]> {
    return (
      await this.rows(
        `SELECT * FROM cases WHERE filed_at >= ($1::date::timestamp AT TIME ZONE 'Asia/Shanghai')
                               AND filed_at < ($2::date::timestamp AT TIME ZONE 'Asia/Shanghai')`,
        [from, to],
      )
    ).map(toCase);
  }
}
