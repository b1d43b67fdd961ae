import type { EntityManager } from 'typeorm';
import {
  queryNestedCounts,
  queryNestedPage,
  knownResidentStatuses,
  Params,
  queryCount,
  queryRows,
  type KeysetRange,
  type KnownResidentStatus,
  type NestedListing,
  type ParentRow,
  type Row,
} from '@liyuan/kit';
import type {
  Book,
  Booking,
  BookingStatus,
  Equipment,
  Facility,
  Inspection,
  Loan,
  RepairOrder,
} from '../domain/model';
import { formatClock } from '../domain/schedule';
import type { FacilitiesStore } from '../domain/ports';

const minutes = (t: unknown): number => {
  const [h, m] = String(t).split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};
const toFacility = (r: Row): Facility => ({
  id: String(r.id),
  name: String(r.name),
  kind: r.kind as Facility['kind'],
  capacity: Number(r.capacity),
  opensAt: minutes(r.opens_at),
  closesAt: minutes(r.closes_at),
  status: r.status as Facility['status'],
  location: String(r.location),
});
const BOOKING_COLUMNS = `id, facility_id, booker_type, resident_id, organiser_id, lower(during) AS starts_at,
  upper(during) AS ends_at, attendees, purpose, status, reason, created_by`;
const toBooking = (r: Row): Booking => ({
  id: String(r.id),
  facilityId: String(r.facility_id),
  bookerType: r.booker_type as Booking['bookerType'],
  residentId: (r.resident_id as string | null) ?? null,
  organiserId: (r.organiser_id as string | null) ?? null,
  startsAt: r.starts_at as Date,
  endsAt: r.ends_at as Date,
  attendees: Number(r.attendees),
  purpose: String(r.purpose),
  status: r.status as BookingStatus,
  reason: (r.reason as string | null) ?? null,
  createdBy: String(r.created_by),
});
const toEquipment = (r: Row): Equipment => ({
  id: String(r.id),
  facilityId: String(r.facility_id),
  name: String(r.name),
  status: r.status as Equipment['status'],
});
const toRepair = (r: Row): RepairOrder => ({
  id: String(r.id),
  equipmentId: (r.equipment_id as string | null) ?? null,
  facilityId: (r.facility_id as string | null) ?? null,
  source: r.source as RepairOrder['source'],
  serviceRequestId: (r.service_request_id as string | null) ?? null,
  description: String(r.description),
  status: r.status as RepairOrder['status'],
  openedAt: r.opened_at as Date,
  completedAt: (r.completed_at as Date | null) ?? null,
  resolution: (r.resolution as string | null) ?? null,
});
const toBook = (r: Row): Book => ({
  id: String(r.id),
  title: String(r.title),
  author: String(r.author),
  isbn: (r.isbn as string | null) ?? null,
  copies: Number(r.copies),
});
const LOAN_COLUMNS = `id, book_id, resident_id, borrowed_at, to_char(due_on, 'YYYY-MM-DD') AS due_on, returned_at, flagged_at`;
const toLoan = (r: Row): Loan => ({
  id: String(r.id),
  bookId: String(r.book_id),
  residentId: String(r.resident_id),
  borrowedAt: r.borrowed_at as Date,
  dueOn: String(r.due_on),
  returnedAt: (r.returned_at as Date | null) ?? null,
  flaggedAt: (r.flagged_at as Date | null) ?? null,
});

const toInspection = (r: Row): Inspection => ({
  id: String(r.id),
  equipmentId: String(r.equipment_id),
  inspectedAt: r.inspected_at as Date,
  passed: Boolean(r.passed),
  notes: String(r.notes),
  inspectorUserId: String(r.inspector_user_id),
});

const BOOKINGS_OF_RESIDENT: NestedListing = {
  columns: BOOKING_COLUMNS,
  from: 'bookings',
  parent: 'resident_id',
  key: 'lower(during)',
  keyType: 'timestamptz',
  order: 'desc',
};
const LOANS_OF_RESIDENT: NestedListing = {
  columns: LOAN_COLUMNS,
  from: 'loans',
  parent: 'resident_id',
  key: 'borrowed_at',
  keyType: 'timestamptz',
  order: 'desc',
};
const INSPECTIONS_OF_DEVICE: NestedListing = {
  columns: '*',
  from: 'inspections',
  parent: 'equipment_id',
  key: 'inspected_at',
  keyType: 'timestamptz',
  order: 'desc',
};
const REPAIR_ORDERS_OF_DEVICE: NestedListing = {
  columns: '*',
  from: 'repair_orders',
  parent: 'equipment_id',
  key: 'opened_at',
  keyType: 'timestamptz',
  order: 'desc',
};

/** The facilities database over TypeORM's manager; every list read is one statement. */
export class TypeOrmFacilitiesStore implements FacilitiesStore {
  constructor(private readonly m: EntityManager) {}

  private rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return queryRows(this.m, sql, params);
  }
  private count(sql: string, params: unknown[] = []): Promise<number> {
    return queryCount(this.m, sql, params);
  }

  async facilitiesByIds(ids: readonly string[]): Promise<Facility[]> {
    if (!ids.length) return [];
    return (await this.rows(`SELECT * FROM facilities WHERE id = ANY ($1)`, [ids])).map(toFacility);
  }
  async allFacilities(kind?: string): Promise<Facility[]> {
    const rows = kind
      ? await this.rows(`SELECT * FROM facilities WHERE kind = $1 ORDER BY name`, [kind])
      : await this.rows(`SELECT * FROM facilities ORDER BY name`);
    return rows.map(toFacility);
  }
  async insertFacility(f: Facility): Promise<void> {
    await this.m.query(
      `INSERT INTO facilities (id, name, kind, capacity, opens_at, closes_at, status, location)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        f.id,
        f.name,
        f.kind,
        f.capacity,
        formatClock(f.opensAt),
        formatClock(f.closesAt),
        f.status,
        f.location,
      ],
    );
  }
  knownResidents(ids: readonly string[]): Promise<Map<string, KnownResidentStatus>> {
    return knownResidentStatuses(this.m, ids);
  }
  async knownTeam(teamId: string): Promise<{ leadUserId: string } | undefined> {
    const [row] = await this.rows(`SELECT lead_user_id FROM known_teams WHERE team_id = $1`, [
      teamId,
    ]);
    return row ? { leadUserId: String(row.lead_user_id) } : undefined;
  }
  async recordTeam(teamId: string, leadUserId: string): Promise<void> {
    await this.m.query(
      `INSERT INTO known_teams (team_id, lead_user_id) VALUES ($1, $2)
       ON CONFLICT (team_id) DO UPDATE SET lead_user_id = EXCLUDED.lead_user_id, updated_at = now()`,
      [teamId, leadUserId],
    );
  }

  async lockFacility(id: string): Promise<Facility | undefined> {
    const [row] = await this.rows(`SELECT * FROM facilities WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toFacility(row) : undefined;
  }
  async setFacilityStatus(id: string, status: Facility['status']): Promise<void> {
    await this.m.query(`UPDATE facilities SET status = $2 WHERE id = $1`, [id, status]);
  }

  async insertBooking(b: Booking): Promise<void> {
    await this.m.query(
      `INSERT INTO bookings (id, facility_id, booker_type, resident_id, organiser_id, during, attendees, purpose,
                             status, reason, created_by)
       VALUES ($1, $2, $3, $4, $5, tstzrange($6, $7, '[)'), $8, $9, $10, $11, $12)`,
      [
        b.id,
        b.facilityId,
        b.bookerType,
        b.residentId,
        b.organiserId,
        b.startsAt,
        b.endsAt,
        b.attendees,
        b.purpose,
        b.status,
        b.reason,
        b.createdBy,
      ],
    );
  }
  async bookingsByIds(ids: readonly string[]): Promise<Booking[]> {
    if (!ids.length) return [];
    return (
      await this.rows(`SELECT ${BOOKING_COLUMNS} FROM bookings WHERE id = ANY ($1)`, [ids])
    ).map(toBooking);
  }
  async lockBooking(id: string): Promise<Booking | undefined> {
    const [row] = await this.rows(
      `SELECT ${BOOKING_COLUMNS} FROM bookings WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row ? toBooking(row) : undefined;
  }
  async setBookingStatus(id: string, status: BookingStatus, reason: string | null): Promise<void> {
    await this.m.query(
      `UPDATE bookings SET status = $2, reason = coalesce($3, reason), updated_at = now() WHERE id = $1`,
      [id, status, reason],
    );
  }
  async bookingOfActivity(activityId: string): Promise<Booking | undefined> {
    const [row] = await this.rows(
      `SELECT ${BOOKING_COLUMNS} FROM bookings WHERE booker_type = 'activity' AND organiser_id = $1`,
      [activityId],
    );
    return row ? toBooking(row) : undefined;
  }
  async heldBookings(facilityId: string, from: Date, to: Date): Promise<Booking[]> {
    return (
      await this.rows(
        `SELECT ${BOOKING_COLUMNS} FROM bookings
          WHERE facility_id = $1 AND status IN ('confirmed', 'checked_in') AND during && tstzrange($2, $3, '[)')
          ORDER BY lower(during)`,
        [facilityId, from, to],
      )
    ).map(toBooking);
  }
  async bookingsOverlapping(
    facilityId: string,
    from: Date,
    to: Date,
    range: KeysetRange,
  ): Promise<Booking[]> {
    const params = new Params();
    const cond = [
      `facility_id = ${params.add(facilityId)}`,
      `during && tstzrange(${params.add(from)}, ${params.add(to)}, '[)')`,
    ];
    if (range.after)
      cond.push(
        `(date_trunc('milliseconds', lower(during)), id) > (${params.add(range.after[0])}::timestamptz, ${params.add(range.after[1])}::uuid)`,
      );
    return (
      await this.rows(
        `SELECT ${BOOKING_COLUMNS} FROM bookings WHERE ${cond.join(' AND ')}
          ORDER BY date_trunc('milliseconds', lower(during)), id LIMIT ${params.add(range.limit)}`,
        params.values,
      )
    ).map(toBooking);
  }
  countBookingsOverlapping(facilityId: string, from: Date, to: Date): Promise<number> {
    return this.count(
      `SELECT count(*)::int AS n FROM bookings WHERE facility_id = $1 AND during && tstzrange($2, $3, '[)')`,
      [facilityId, from, to],
    );
  }
  bookingsOfResidents(
    residentIds: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<Booking>[]> {
    return queryNestedPage(this.m, BOOKINGS_OF_RESIDENT, residentIds, range, toBooking);
  }
  countBookingsOfResidents(residentIds: readonly string[]): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, BOOKINGS_OF_RESIDENT, residentIds);
  }
  async cancelFutureBookingsOf(
    residentId: string,
    after: Date,
    reason: string,
  ): Promise<Booking[]> {
    return (
      await this.rows(
        `UPDATE bookings SET status = 'cancelled', reason = $3, updated_at = now()
          WHERE resident_id = $1 AND status = 'confirmed' AND lower(during) > $2
          RETURNING ${BOOKING_COLUMNS}`,
        [residentId, after, reason],
      )
    ).map(toBooking);
  }

  async equipmentByIds(ids: readonly string[]): Promise<Equipment[]> {
    if (!ids.length) return [];
    return (await this.rows(`SELECT * FROM equipment WHERE id = ANY ($1)`, [ids])).map(toEquipment);
  }
  async equipmentOfFacilities(facilityIds: readonly string[]): Promise<Equipment[]> {
    if (!facilityIds.length) return [];
    return (
      await this.rows(`SELECT * FROM equipment WHERE facility_id = ANY ($1) ORDER BY name, id`, [
        facilityIds,
      ])
    ).map(toEquipment);
  }
  async lockEquipment(id: string): Promise<Equipment | undefined> {
    const [row] = await this.rows(`SELECT * FROM equipment WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toEquipment(row) : undefined;
  }
  async insertEquipment(e: Equipment): Promise<void> {
    await this.m.query(
      `INSERT INTO equipment (id, facility_id, name, status) VALUES ($1, $2, $3, $4)`,
      [e.id, e.facilityId, e.name, e.status],
    );
  }
  async setEquipmentStatus(id: string, status: Equipment['status']): Promise<void> {
    await this.m.query(`UPDATE equipment SET status = $2 WHERE id = $1`, [id, status]);
  }
  async insertInspection(i: Inspection): Promise<void> {
    await this.m.query(
      `INSERT INTO inspections (id, equipment_id, inspected_at, passed, notes, inspector_user_id) VALUES ($1, $2, $3, $4, $5, $6)`,
      [i.id, i.equipmentId, i.inspectedAt, i.passed, i.notes, i.inspectorUserId],
    );
  }
  inspectionsOf(
    equipmentIds: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<Inspection>[]> {
    return queryNestedPage(this.m, INSPECTIONS_OF_DEVICE, equipmentIds, range, toInspection);
  }
  countInspectionsOf(equipmentIds: readonly string[]): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, INSPECTIONS_OF_DEVICE, equipmentIds);
  }
  async insertRepairOrder(o: RepairOrder): Promise<boolean> {
    const rows = await this.rows(
      `INSERT INTO repair_orders (id, equipment_id, facility_id, source, service_request_id, description, status, opened_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (service_request_id) DO NOTHING RETURNING id`,
      [
        o.id,
        o.equipmentId,
        o.facilityId,
        o.source,
        o.serviceRequestId,
        o.description,
        o.status,
        o.openedAt,
      ],
    );
    return rows.length > 0;
  }
  async repairOrdersByIds(ids: readonly string[]): Promise<RepairOrder[]> {
    if (!ids.length) return [];
    return (await this.rows(`SELECT * FROM repair_orders WHERE id = ANY ($1)`, [ids])).map(
      toRepair,
    );
  }
  repairOrdersOf(
    equipmentIds: readonly string[],
    range: KeysetRange,
  ): Promise<ParentRow<RepairOrder>[]> {
    return queryNestedPage(this.m, REPAIR_ORDERS_OF_DEVICE, equipmentIds, range, toRepair);
  }
  countRepairOrdersOf(equipmentIds: readonly string[]): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, REPAIR_ORDERS_OF_DEVICE, equipmentIds);
  }
  async lockRepairOrder(id: string): Promise<RepairOrder | undefined> {
    const [row] = await this.rows(`SELECT * FROM repair_orders WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toRepair(row) : undefined;
  }
  async completeRepairOrder(id: string, resolution: string): Promise<void> {
    await this.m.query(
      `UPDATE repair_orders SET status = 'completed', completed_at = now(), resolution = $2 WHERE id = $1`,
      [id, resolution],
    );
  }
  async openRepairOrdersOf(equipmentId: string): Promise<RepairOrder[]> {
    return (
      await this.rows(
        `SELECT * FROM repair_orders WHERE status = 'open' AND equipment_id = $1 ORDER BY opened_at`,
        [equipmentId],
      )
    ).map(toRepair);
  }
  async openRepairOrders(range: KeysetRange): Promise<RepairOrder[]> {
    const params = new Params();
    const after = range.after
      ? `AND (date_trunc('milliseconds', opened_at), id) > (${params.add(range.after[0])}::timestamptz, ${params.add(range.after[1])}::uuid)`
      : '';
    return (
      await this.rows(
        `SELECT * FROM repair_orders WHERE status = 'open' ${after}
          ORDER BY date_trunc('milliseconds', opened_at), id LIMIT ${params.add(range.limit)}`,
        params.values,
      )
    ).map(toRepair);
  }
  async countOpenRepairOrders(): Promise<number> {
    return this.count(`SELECT count(*)::int AS n FROM repair_orders WHERE status = 'open'`);
  }

  async booksByIds(ids: readonly string[]): Promise<Book[]> {
    if (!ids.length) return [];
    return (await this.rows(`SELECT * FROM books WHERE id = ANY ($1)`, [ids])).map(toBook);
  }
  /** The condition of a title search, over `books`. */
  private static matching(search: string | undefined, params: Params): string {
    if (!search) return 'true';
    const term = params.add(`%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return `(title ILIKE ${term} ESCAPE '\\' OR author ILIKE ${term} ESCAPE '\\')`;
  }
  async searchBooks(search: string | undefined, range: KeysetRange): Promise<Book[]> {
    const params = new Params();
    const cond = [TypeOrmFacilitiesStore.matching(search, params)];
    if (range.after)
      cond.push(
        `(title, id) > (${params.add(range.after[0])}, ${params.add(range.after[1])}::uuid)`,
      );
    return (
      await this.rows(
        `SELECT * FROM books WHERE ${cond.join(' AND ')} ORDER BY title, id LIMIT ${params.add(range.limit)}`,
        params.values,
      )
    ).map(toBook);
  }
  async countBooks(search: string | undefined): Promise<number> {
    const params = new Params();
    return this.count(
      `SELECT count(*)::int AS n FROM books WHERE ${TypeOrmFacilitiesStore.matching(search, params)}`,
      params.values,
    );
  }
  async lockBook(id: string): Promise<Book | undefined> {
    const [row] = await this.rows(`SELECT * FROM books WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toBook(row) : undefined;
  }
  async insertBook(b: Book): Promise<void> {
    await this.m.query(
      `INSERT INTO books (id, title, author, isbn, copies) VALUES ($1, $2, $3, $4, $5)`,
      [b.id, b.title, b.author, b.isbn, b.copies],
    );
  }
  async copiesOnLoan(bookIds: readonly string[]): Promise<Map<string, number>> {
    if (!bookIds.length) return new Map();
    const rows = await this.rows(
      `SELECT book_id, count(*)::int AS n FROM loans WHERE book_id = ANY ($1) AND returned_at IS NULL GROUP BY book_id`,
      [bookIds],
    );
    return new Map(rows.map((r) => [String(r.book_id), Number(r.n)]));
  }
  async insertLoan(l: Loan): Promise<void> {
    await this.m.query(
      `INSERT INTO loans (id, book_id, resident_id, borrowed_at, due_on) VALUES ($1, $2, $3, $4, $5)`,
      [l.id, l.bookId, l.residentId, l.borrowedAt, l.dueOn],
    );
  }
  async lockLoan(id: string): Promise<Loan | undefined> {
    const [row] = await this.rows(`SELECT ${LOAN_COLUMNS} FROM loans WHERE id = $1 FOR UPDATE`, [
      id,
    ]);
    return row ? toLoan(row) : undefined;
  }
  async returnLoan(id: string): Promise<void> {
    await this.m.query(`UPDATE loans SET returned_at = now() WHERE id = $1`, [id]);
  }
  loansOfResidents(residentIds: readonly string[], range: KeysetRange): Promise<ParentRow<Loan>[]> {
    return queryNestedPage(this.m, LOANS_OF_RESIDENT, residentIds, range, toLoan);
  }
  countLoansOfResidents(residentIds: readonly string[]): Promise<Map<string, number>> {
    return queryNestedCounts(this.m, LOANS_OF_RESIDENT, residentIds);
  }
  async overdueLoans(today: string, range: KeysetRange): Promise<Loan[]> {
    const params = new Params();
    const cond = [`returned_at IS NULL AND due_on < ${params.add(today)}`];
    if (range.after)
      cond.push(
        `(due_on, id) > (${params.add(range.after[0])}::date, ${params.add(range.after[1])}::uuid)`,
      );
    return (
      await this.rows(
        `SELECT ${LOAN_COLUMNS} FROM loans WHERE ${cond.join(' AND ')}
          ORDER BY due_on, id LIMIT ${params.add(range.limit)}`,
        params.values,
      )
    ).map(toLoan);
  }
  async countOverdueLoans(today: string): Promise<number> {
    return this.count(
      `SELECT count(*)::int AS n FROM loans WHERE returned_at IS NULL AND due_on < $1`,
      [today],
    );
  }
  async flagOpenLoansOf(residentId: string): Promise<number> {
    const rows = await this.rows(
      `UPDATE loans SET flagged_at = now() WHERE resident_id = $1 AND returned_at IS NULL AND flagged_at IS NULL RETURNING id`,
      [residentId],
    );
    return rows.length;
  }
}
