import { randomUUID } from 'node:crypto';
import type { RunningService } from '@liyuan/kit';
import { seedFacilitiesDemo } from '../src/data/demo-seed';
import type { Producer } from 'kafkajs';
import { callSubgraph, caller, silentLogger, startTestService } from '@liyuan/test-support/stack';
import { testKafka } from '@liyuan/test-support/kafka';
import { announceResidents } from '@liyuan/test-support/references';
import { expectPageBoundsRefused, readAllPages } from '@liyuan/test-support/pages';

/** Equipment and repairs, the library, the Resident extension and the demo data, on real PostgreSQL. */
describe('facilities: equipment, library, residents', () => {
  let service: RunningService;
  let stop: () => Promise<void>;
  const manager = caller(['facility_manager'], { userId: 'fm-2' });
  const asManager = (q: string, v?: Record<string, unknown>) =>
    callSubgraph(service, manager, q, v);
  const sql = <T>(text: string, params: unknown[] = []) =>
    service.db.dataSource.query(text, params) as Promise<T[]>;
  const data = <T>(res: { data?: unknown; errors?: unknown }, field: string): T => {
    const value = (res.data as Record<string, T> | null)?.[field];
    if (!value) throw new Error(`${field}: ${JSON.stringify(res.errors)}`);
    return value;
  };

  let producer: Producer;

  beforeAll(async () => {
    ({ service, stop } = await startTestService('facilities'));
    await service.eventsReady;
    producer = testKafka().producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await stop();
  });

  it('when a device fails inspection, then it is out of service with a repair order; completing it restores the device', async () => {
    const facility = data<{ id: string }>(
      await asManager(`mutation { addFacility(input: { name: "Fitness Area", kind: FITNESS_AREA, capacity: 40,
        opensAt: "06:00", closesAt: "22:00", location: "South garden" }) { id } }`),
      'addFacility',
    );
    const device = data<{ id: string }>(
      await asManager(
        `mutation($f: ID!) { addEquipment(input: { facilityId: $f, name: "Twist Stepper" }) { id status } }`,
        {
          f: facility.id,
        },
      ),
      'addEquipment',
    );
    const failed = await asManager(
      `mutation($e: ID!) { recordInspection(equipmentId: $e, passed: false, notes: "Pedal loose") {
        status repairOrders { id status source description } inspections { passed notes } } }`,
      { e: device.id },
    );
    const after = data<{
      status: string;
      repairOrders: { id: string; status: string; source: string }[];
    }>(failed, 'recordInspection');
    expect(after.status).toBe('OUT_OF_SERVICE');
    const orders = await asManager(
      `query($e: [_Any!]!) { _entities(representations: $e) { ... on Equipment {
      status repairOrders { id status source description } inspections { id passed notes } } } }`,
      {
        e: [{ __typename: 'Equipment', id: device.id }],
      },
    );
    const viewed = (
      orders.data as {
        _entities: {
          repairOrders: { id: string; source: string; status: string }[];
          inspections: unknown[];
        }[];
      }
    )._entities[0]!;
    expect(viewed.repairOrders).toEqual([
      { id: expect.any(String), status: 'OPEN', source: 'INSPECTION', description: 'Pedal loose' },
    ]);
    const [inspection] = await sql<{ id: string }>(
      `SELECT id::text FROM inspections WHERE equipment_id = $1`,
      [device.id],
    );
    expect(viewed.inspections).toEqual([
      { id: inspection!.id, passed: false, notes: 'Pedal loose' },
    ]);
    const events = await sql<{ type: string }>(
      `SELECT type FROM outbox_events WHERE envelope->'data'->>'equipmentId' = $1 ORDER BY seq`,
      [device.id],
    );
    expect(events.map((e) => e.type)).toEqual(['RepairOrderOpened', 'EquipmentFaultReported']);

    const resident = caller(['resident'], { residentId: randomUUID() });
    const complete = `mutation($id: ID!) { completeRepair(id: $id, resolution: "Pedal replaced") { status resolution equipment { status } } }`;
    expect(
      (await callSubgraph(service, resident, complete, { id: viewed.repairOrders[0]!.id }))
        .errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    expect((await asManager(complete, { id: viewed.repairOrders[0]!.id })).data).toEqual({
      completeRepair: {
        status: 'COMPLETED',
        resolution: 'Pedal replaced',
        equipment: { status: 'IN_SERVICE' },
      },
    });
    expect(
      (await asManager(complete, { id: viewed.repairOrders[0]!.id })).errors?.[0]?.extensions,
    ).toEqual({
      code: 'CONFLICT',
      field: 'id',
    });
    const restored = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'EquipmentRestored' AND aggregate_id = $1`,
      [device.id],
    );
    expect(restored[0]!.n).toBe(1);

    const report = await callSubgraph(
      service,
      resident,
      `mutation($e: ID!) { reportEquipmentFault(equipmentId: $e, description: "Squeaks") {
      source status } }`,
      { e: device.id },
    );
    expect(report.data).toEqual({
      reportEquipmentFault: { source: 'FAULT_REPORT', status: 'OPEN' },
    });
  });

  it('when a booking is due, then it can be checked in; one whose start has passed can be marked a no-show, once', async () => {
    const facility = data<{ id: string }>(
      await asManager(`mutation { addFacility(input: { name: "Conference Room", kind: CONFERENCE_ROOM, capacity: 30,
        opensAt: "00:00", closesAt: "23:59", location: "Room 201" }) { id } }`),
      'addFacility',
    );
    // Bookings around now are written directly: the booking rules (no past starts) are tested elsewhere.
    const put = async (startOffsetMin: number, endOffsetMin: number) => {
      const id = randomUUID();
      await sql(
        `INSERT INTO bookings (id, facility_id, booker_type, resident_id, during, attendees, purpose, status, created_by)
         VALUES ($1, $2, 'resident', $3, tstzrange(now() + make_interval(mins => $4), now() + make_interval(mins => $5), '[)'),
                 2, 'Meeting', 'confirmed', 'test')`,
        [id, facility.id, randomUUID(), startOffsetMin, endOffsetMin],
      );
      return id;
    };
    const soon = await put(10, 70);
    const started = await put(-90, -30);
    const later = await put(180, 240);
    const checkIn = `mutation($id: ID!) { checkInBooking(id: $id) { status } }`;
    const noShow = `mutation($id: ID!) { markNoShow(id: $id) { status } }`;
    expect((await asManager(checkIn, { id: soon })).data).toEqual({
      checkInBooking: { status: 'CHECKED_IN' },
    });
    expect((await asManager(checkIn, { id: later })).errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'id',
    });
    expect((await asManager(noShow, { id: later })).errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'id',
    });
    expect((await asManager(noShow, { id: started })).data).toEqual({
      markNoShow: { status: 'NO_SHOW' },
    });
    expect((await asManager(noShow, { id: started })).errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'id',
    });
  });

  it('when loans are made and one is past due, then the overdue list shows it and a return takes it off', async () => {
    const book = data<{ id: string }>(
      await asManager(
        `mutation { addBook(input: { title: "Mogao Caves: A Guide", author: "Dunhuang Academy", copies: 2 }) { id available } }`,
      ),
      'addBook',
    );
    const [borrower] = await announceResidents(producer, service);
    const lend = `mutation($b: ID!, $r: ID!, $d: Date) { lendBook(bookId: $b, residentId: $r, dueOn: $d) { id dueOn } }`;
    const loan = data<{ id: string }>(
      await asManager(lend, { b: book.id, r: borrower }),
      'lendBook',
    );
    expect(
      (await asManager(lend, { b: book.id, r: borrower, d: '2020-01-01' })).errors?.[0]?.extensions,
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'dueOn',
    });
    await sql(`UPDATE loans SET due_on = now()::date - 3 WHERE id = $1`, [loan.id]);
    const overdue = `{ overdueLoans(first: 100) { edges { node { id book { title available } } } } }`;
    expect((await asManager(overdue)).data).toEqual({
      overdueLoans: {
        edges: [{ node: { id: loan.id, book: { title: 'Mogao Caves: A Guide', available: 1 } } }],
      },
    });
    expect(
      (
        await asManager(`mutation($l: ID!) { returnBook(loanId: $l) { returnedAt } }`, {
          l: loan.id,
        })
      ).errors,
    ).toBeUndefined();
    expect((await asManager(overdue)).data).toEqual({ overdueLoans: { edges: [] } });
    const search = await callSubgraph(
      service,
      { userId: null, roles: [], gridIds: [] },
      `{ books(search: "mogao") { edges { node { title available } } totalCount } }`,
    );
    expect(search.data).toEqual({
      books: { edges: [{ node: { title: 'Mogao Caves: A Guide', available: 2 } }], totalCount: 1 },
    });
  });

  it('when titles, open repair orders and overdue loans are read a page at a time, then the pages cover every row once in order, one statement each, counted only when asked', async () => {
    const title = `Paged ${randomUUID()}`;
    const books = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const [i, id] of books.entries())
      await sql(`INSERT INTO books (id, title, author, copies) VALUES ($1, $2, 'Anon', 5)`, [
        id,
        `${title} ${i % 3}`,
      ]);
    for (let i = 0; i < 5; i++) {
      await sql(
        `INSERT INTO repair_orders (id, source, description, opened_at)
         VALUES ($1, 'fault_report', 'paged', '2020-01-01T00:00:00.123456Z'::timestamptz + $2 * interval '1 microsecond')`,
        [randomUUID(), i % 2],
      );
      await sql(
        `INSERT INTO loans (id, book_id, resident_id, due_on) VALUES ($1, $2, $3, DATE '2020-01-01' + $4::int)`,
        [randomUUID(), books[i], randomUUID(), i % 2],
      );
    }
    const ids = async (text: string) => (await sql<{ id: string }>(text)).map((r) => r.id);
    const listings: [string, string, string[]][] = [
      ['books', '', await ids(`SELECT id FROM books ORDER BY title, id`)],
      [
        'books',
        `search: "${title}"`,
        await ids(`SELECT id FROM books WHERE title LIKE '${title}%' ORDER BY title, id`),
      ],
      [
        'openRepairOrders',
        '',
        await ids(
          `SELECT id FROM repair_orders WHERE status = 'open' ORDER BY date_trunc('milliseconds', opened_at), id`,
        ),
      ],
      [
        'overdueLoans',
        '',
        await ids(
          `SELECT id FROM loans WHERE returned_at IS NULL AND due_on < now()::date ORDER BY due_on, id`,
        ),
      ],
    ];
    for (const [field, args, expected] of listings) {
      expect(expected.length).toBeGreaterThanOrEqual(5);
      const nodes = await readAllPages<{ id: string }>(asManager, field, {
        first: 2,
        args,
        node: 'id',
        statements: 1,
      });
      expect(nodes.map((n) => n.id)).toEqual(expected);
      const counted = await asManager(`{ ${field}${args ? `(${args})` : ''} { totalCount } }`);
      expect(counted.data).toEqual({ [field]: { totalCount: expected.length } });
      expect(counted.statements).toBe(2);
      await expectPageBoundsRefused(asManager, field, args);
    }
  });

  it('when the gateway resolves many residents for bookings and loans, then each is one SQL statement whatever the count', async () => {
    const reps = Array.from({ length: 60 }, () => ({ __typename: 'Resident', id: randomUUID() }));
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { id bookings { id } loans { id } } } }`;
    const small = await asManager(query, { r: reps.slice(0, 2) });
    const large = await asManager(query, { r: reps });
    expect((large.data as { _entities: unknown[] })._entities).toHaveLength(60);
    // Two loaders (bookings, loans), one statement each, for 2 residents as for 60.
    expect(small.statements).toBe(2);
    expect(large.statements).toBe(2);
  });

  it('when the demo data is loaded, then the facilities of the article are there with equipment and bookings, once', async () => {
    const fresh = await startTestService('facilities');
    try {
      await checkDemo(fresh.service);
    } finally {
      await fresh.stop();
    }
  });

  async function checkDemo(service: RunningService): Promise<void> {
    const sql = <T>(text: string) => service.db.dataSource.query(text) as Promise<T[]>;
    const added = await seedFacilitiesDemo(service.db.dataSource, silentLogger());
    expect(added).toBeGreaterThan(0);
    const res = await callSubgraph(
      service,
      { userId: null, roles: [], gridIds: [] },
      `{ facilities { name kind } }`,
    );
    const kinds = (res.data as { facilities: { kind: string }[] }).facilities.map((f) => f.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'SERVICE_HALL',
        'CIVILIZATION_PRACTICE_STATION',
        'CONFERENCE_ROOM',
        'ACTIVITY_ROOM',
        'LIBRARY',
        'CHESS_AND_CARD_ROOM',
        'DANCE_ROOM',
        'CENTRAL_SQUARE',
        'FITNESS_AREA',
      ]),
    );
    const overbooked = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM loans l JOIN books b ON b.id = l.book_id WHERE l.returned_at IS NULL
        GROUP BY b.id, b.copies HAVING count(*) > b.copies`,
    );
    expect(overbooked).toEqual([]);
    // Announced, so the spaces and opportunities of the other services' demo data may name them.
    const announced = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'FacilityAdded'`,
    );
    expect(announced[0]!.n).toBe(kinds.length);
    expect(await seedFacilitiesDemo(service.db.dataSource, silentLogger())).toBe(0);
  }
});
