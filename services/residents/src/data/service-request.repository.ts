import type { EntityManager } from 'typeorm';
import { queryRows, type Row } from '@liyuan/kit';
import type {
  ServiceRequest,
  ServiceRequestChange,
  ServiceRequestStatus,
  ServiceRequestType,
} from '../domain/model';
import type { ServiceRequestStore } from '../domain/ports';

const toRequest = (r: Row): ServiceRequest => ({
  id: String(r.id),
  residentId: String(r.resident_id),
  householdId: String(r.household_id),
  gridId: String(r.grid_id),
  type: r.type as ServiceRequestType,
  description: String(r.description),
  status: r.status as ServiceRequestStatus,
  referredTo: (r.referred_to as ServiceRequest['referredTo']) ?? null,
  filedBy: String(r.filed_by),
  filedAt: r.filed_at as Date,
  updatedAt: r.updated_at as Date,
});
const toChange = (r: Row): ServiceRequestChange => ({
  requestId: String(r.request_id),
  from: (r.from_status as ServiceRequestStatus | null) ?? null,
  to: r.to_status as ServiceRequestStatus,
  actor: String(r.actor),
  note: (r.note as string | null) ?? null,
  at: r.at as Date,
});

/** Service requests over one connection or transaction. */
export class TypeOrmServiceRequestStore implements ServiceRequestStore {
  constructor(private readonly m: EntityManager) {}

  private rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return queryRows(this.m, sql, params);
  }

  async insert(r: ServiceRequest): Promise<void> {
    await this.m.query(
      `INSERT INTO service_requests (id, resident_id, household_id, grid_id, type, description, status,
                                     referred_to, filed_by, filed_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
      [
        r.id,
        r.residentId,
        r.householdId,
        r.gridId,
        r.type,
        r.description,
        r.status,
        r.referredTo,
        r.filedBy,
        r.filedAt,
      ],
    );
  }

  async byIds(ids: readonly string[]): Promise<ServiceRequest[]> {
    if (!ids.length) return [];
    const rows = await this.rows(`SELECT * FROM service_requests WHERE id = ANY ($1)`, [ids]);
    return rows.map(toRequest);
  }

  async lock(id: string): Promise<ServiceRequest | undefined> {
    const rows = await this.rows(`SELECT * FROM service_requests WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toRequest(rows[0]) : undefined;
  }

  async setStatus(
    id: string,
    status: ServiceRequestStatus,
    referredTo: ServiceRequest['referredTo'],
  ): Promise<void> {
    await this.m.query(
      `UPDATE service_requests SET status = $2, referred_to = coalesce($3, referred_to), updated_at = now()
        WHERE id = $1`,
      [id, status, referredTo],
    );
  }

  async appendChange(c: Omit<ServiceRequestChange, 'at'>): Promise<void> {
    await this.m.query(
      `INSERT INTO service_request_changes (request_id, from_status, to_status, actor, note) VALUES ($1, $2, $3, $4, $5)`,
      [c.requestId, c.from, c.to, c.actor, c.note],
    );
  }

  async changesOf(requestIds: readonly string[]): Promise<ServiceRequestChange[]> {
    if (!requestIds.length) return [];
    const rows = await this.rows(
      `SELECT request_id, from_status, to_status, actor, note, at FROM service_request_changes
        WHERE request_id = ANY ($1) ORDER BY request_id, id`,
      [requestIds],
    );
    return rows.map(toChange);
  }

  async ofResidents(residentIds: readonly string[]): Promise<ServiceRequest[]> {
    if (!residentIds.length) return [];
    const rows = await this.rows(
      `SELECT * FROM service_requests WHERE resident_id = ANY ($1) ORDER BY filed_at DESC, id DESC`,
      [residentIds],
    );
    return rows.map(toRequest);
  }

  async list(query: {
    gridIds?: string[];
    residentId?: string;
    status?: ServiceRequestStatus;
    type?: ServiceRequestType;
    after?: { filedAt: string; id: string };
    limit: number;
  }): Promise<ServiceRequest[]> {
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const cond: string[] = [];
    if (query.gridIds) cond.push(`grid_id = ANY (${p(query.gridIds)})`);
    if (query.residentId) cond.push(`resident_id = ${p(query.residentId)}`);
    if (query.status) cond.push(`status = ${p(query.status)}`);
    if (query.type) cond.push(`type = ${p(query.type)}`);
    if (query.after)
      cond.push(
        `(filed_at, id) < (${p(query.after.filedAt)}::timestamptz, ${p(query.after.id)}::uuid)`,
      );
    const rows = await this.rows(
      `SELECT * FROM service_requests ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''}
        ORDER BY filed_at DESC, id DESC LIMIT ${p(query.limit)}`,
      params,
    );
    return rows.map(toRequest);
  }
}
