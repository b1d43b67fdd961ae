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

  /**
   * Calls a field of one entity as if it were a root field (for the page helpers): the operation's
   * `{ field(...) ... }` is sent inside `_entities`, and the entity's value is answered as `data`.
   */
  const nestedCall =
    (typename: string, id: string, field: string) =>
    async (query: string, variables: Record<string, unknown> = {}) => {
      const open = query.indexOf('{');
      const head = query.slice(0, open).trim();
      const vars = head.startsWith('query(') ? head.slice('query('.length, -1) : '';
      const res = await asManager(
        `query($reps: [_Any!]!${vars ? `, ${vars}` : ''}) { _entities(representations: $reps) {
          ... on ${typename} ${query.slice(open)} } }`,
        { ...variables, reps: [{ __typename: typename, id }] },
      );
      const entity = (res.data as { _entities?: Record<string, unknown>[] } | null)?._entities?.[0];
      return { ...res, data: entity ? { [field]: entity[field] } : res.data };
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
      `mutation($e: ID!) { recordInspection(input: { equipmentId: $e, passed: false, notes: "Pedal loose" }) {
        status repairOrders { edges { node { id status source description } } }
        inspections { edges { node { passed notes } } } } }`,
      { e: device.id },
    );
    const after = data<{ status: string }>(failed, 'recordInspection');
    expect(after.status).toBe('OUT_OF_SERVICE');
    const orders = await asManager(
      `query($e: [_Any!]!) { _entities(representations: $e) { ... on Equipment {
      status repairOrders { edges { node { id status source description } } totalCount }
      inspections { edges { node { id passed notes } } totalCount } } } }`,
      {
        e: [{ __typename: 'Equipment', id: device.id }],
      },
    );
    const viewed = (
      orders.data as {
        _entities: {
          repairOrders: { edges: { node: { id: string } }[]; totalCount: number };
          inspections: { edges: { node: unknown }[]; totalCount: number };
        }[];
      }
    )._entities[0]!;
    expect(viewed.repairOrders).toEqual({
      edges: [
        {
          node: {
            id: expect.any(String),
            status: 'OPEN',
            source: 'INSPECTION',
            description: 'Pedal loose',
          },
        },
      ],
      totalCount: 1,
    });
    const [inspection] = await sql<{ id: string }>(
      `SELECT id::text FROM inspections WHERE equipment_id = $1`,
      [device.id],
    );
    expect(viewed.inspections).toEqual({
      edges: [{ node: { id: inspection!.id, passed: false, notes: 'Pedal loose' } }],
      totalCount: 1,
    });
    const repairId = viewed.repairOrders.edges[0]!.node.id;
    const events = await sql<{ type: string }>(
      `SELECT type FROM outbox_events WHERE envelope->'data'->>'equipmentId' = $1 ORDER BY seq`,
      [device.id],
    );
    expect(events.map((e) => e.type)).toEqual(['RepairOrderOpened', 'EquipmentFaultReported']);

    const resident = caller(['resident'], { residentId: randomUUID() });
    const complete = `mutation($id: ID!) { completeRepair(input: { id: $id, resolution: "Pedal replaced" }) {
      status resolution equipment { status } } }`;
    expect(
      (await callSubgraph(service, resident, complete, { id: repairId })).errors?.[0]?.extensions
        ?.code,
    ).toBe('FORBIDDEN');
    expect((await asManager(complete, { id: repairId })).data).toEqual({
      completeRepair: {
        status: 'COMPLETED',
        resolution: 'Pedal replaced',
        equipment: { status: 'IN_SERVICE' },
      },
    });
    expect((await asManager(complete, { id: repairId })).errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'input.id',
    });
    const restored = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'EquipmentRestored' AND aggregate_id = $1`,
      [device.id],
    );
    expect(restored[0]!.n).toBe(1);

    const report = await callSubgraph(
      service,
      resident,
      `mutation($e: ID!) { reportEquipmentFault(input: { equipmentId: $e, description: "Squeaks" }) {
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
    const checkIn = `mutation($id: ID!) { checkInBooking(input: { id: $id }) { status } }`;
    const noShow = `mutation($id: ID!) { markNoShow(input: { id: $id }) { status } }`;
    expect((await asManager(checkIn, { id: soon })).data).toEqual({
      checkInBooking: { status: 'CHECKED_IN' },
    });
    expect((await asManager(checkIn, { id: later })).errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'input.id',
    });
    expect((await asManager(noShow, { id: later })).errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'input.id',
    });
    expect((await asManager(noShow, { id: started })).data).toEqual({
      markNoShow: { status: 'NO_SHOW' },
    });
    expect((await asManager(noShow, { id: started })).errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'input.id',
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
    const lend = `mutation($b: ID!, $r: ID!, $d: Date) { lendBook(input: { bookId: $b, residentId: $r, dueOn: $d }) {
      id dueOn } }`;
    const loan = data<{ id: string }>(
      await asManager(lend, { b: book.id, r: borrower }),
      'lendBook',
    );
    expect(
      (await asManager(lend, { b: book.id, r: borrower, d: '2020-01-01' })).errors?.[0]?.extensions,
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.dueOn',
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
        await asManager(`mutation($l: ID!) { returnBook(input: { loanId: $l }) { returnedAt } }`, {
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

  it('when titles, open repair orders, overdue loans and a facility’s bookings are read a page at a time, then the pages cover every row once in order, one statement each, counted only when asked', async () => {
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
    // Bookings of one facility starting in the same millisecond (not held, so they may overlap).
    const room = data<{ id: string }>(
      await asManager(`mutation { addFacility(input: { name: "Paged Room", kind: ACTIVITY_ROOM, capacity: 10,
        opensAt: "08:00", closesAt: "20:00", location: "Room 3" }) { id } }`),
      'addFacility',
    );
    for (let i = 0; i < 5; i++)
      await sql(
        `INSERT INTO bookings (id, facility_id, booker_type, resident_id, during, attendees, purpose, status, reason, created_by)
         VALUES ($1, $2, 'resident', $3, tstzrange('2030-01-01T02:00:00.123456Z'::timestamptz + $4 * interval '1 microsecond',
                 '2030-01-01T03:00:00Z', '[)'), 2, 'Paged', 'cancelled', 'by_staff', 'test')`,
        [randomUUID(), room.id, randomUUID(), i % 2],
      );
    const period = `facilityId: "${room.id}", from: "2030-01-01T00:00:00Z", to: "2030-01-02T00:00:00Z"`;
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
      [
        'facilityBookings',
        period,
        await ids(
          `SELECT id FROM bookings WHERE facility_id = '${room.id}' ORDER BY date_trunc('milliseconds', lower(during)), id`,
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
    // The first resident has three bookings and two loans; a page of two holds two of each.
    const [first] = reps;
    const facility = data<{ id: string }>(
      await asManager(`mutation { addFacility(input: { name: "Batch Room", kind: ACTIVITY_ROOM, capacity: 10,
        opensAt: "08:00", closesAt: "20:00", location: "Room 4" }) { id } }`),
      'addFacility',
    );
    const book = data<{ id: string }>(
      await asManager(
        `mutation { addBook(input: { title: "Batch", author: "Anon", copies: 5 }) { id } }`,
      ),
      'addBook',
    );
    for (let i = 0; i < 3; i++) {
      await sql(
        `INSERT INTO bookings (id, facility_id, booker_type, resident_id, during, attendees, purpose, status, created_by)
         VALUES ($1, $2, 'resident', $3, tstzrange('2030-03-01T02:00:00Z'::timestamptz + $4 * interval '1 hour',
                 '2030-03-01T02:30:00Z'::timestamptz + $4 * interval '1 hour', '[)'), 2, 'Batch', 'confirmed', 'test')`,
        [randomUUID(), facility.id, first!.id, i],
      );
      if (i < 2)
        await sql(`INSERT INTO loans (id, book_id, resident_id, due_on) VALUES ($1, $2, $3, $4)`, [
          randomUUID(),
          book.id,
          first!.id,
          '2030-01-01',
        ]);
    }
    const query = (
      total: string,
    ) => `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident {
      id bookings(first: 2) { edges { node { id } } ${total} } loans(first: 2) { edges { node { id } } ${total} } } } }`;
    const small = await asManager(query(''), { r: reps.slice(0, 2) });
    const large = await asManager(query(''), { r: reps });
    const entities = (
      large.data as { _entities: { bookings: { edges: unknown[] }; loans: { edges: unknown[] } }[] }
    )._entities;
    expect(entities).toHaveLength(60);
    expect([entities[0]!.bookings.edges.length, entities[0]!.loans.edges.length]).toEqual([2, 2]);
    expect(entities.slice(1).every((e) => !e.bookings.edges.length && !e.loans.edges.length)).toBe(
      true,
    );
    // Two nested pages (bookings, loans), one statement each, for 2 residents as for 60.
    expect(small.statements).toBe(2);
    expect(large.statements).toBe(2);
    // Their totals: one more statement each, however many residents.
    const counted = await asManager(query('totalCount'), { r: reps });
    const totals = (
      counted.data as {
        _entities: { bookings: { totalCount: number }; loans: { totalCount: number } }[];
      }
    )._entities;
    expect([totals[0]!.bookings.totalCount, totals[0]!.loans.totalCount]).toEqual([3, 2]);
    expect(totals[1]!.bookings.totalCount).toBe(0);
    expect(counted.statements).toBe(4);
  });

  it('when a resident’s bookings and loans and a device’s inspections and repair orders are read a page at a time, then the pages cover every row once, newest first, in one statement each', async () => {
    const residentId = randomUUID();
    const facility = data<{ id: string }>(
      await asManager(`mutation { addFacility(input: { name: "Nested Room", kind: FITNESS_AREA, capacity: 10,
        opensAt: "06:00", closesAt: "22:00", location: "North garden" }) { id } }`),
      'addFacility',
    );
    const device = data<{ id: string }>(
      await asManager(
        `mutation($f: ID!) { addEquipment(input: { facilityId: $f, name: "Sit-up Bench" }) { id } }`,
        { f: facility.id },
      ),
      'addEquipment',
    );
    const book = data<{ id: string }>(
      await asManager(
        `mutation { addBook(input: { title: "Nested", author: "Anon", copies: 9 }) { id } }`,
      ),
      'addBook',
    );
    // Five rows of each, their sort keys tied within one millisecond.
    const at = `'2020-01-01T00:00:00.123456Z'::timestamptz + $2 * interval '1 microsecond'`;
    for (let i = 0; i < 5; i++) {
      const tie = i % 2;
      await sql(
        `INSERT INTO bookings (id, facility_id, booker_type, resident_id, during, attendees, purpose, status, reason, created_by)
         VALUES ($1, $3, 'resident', $4, tstzrange(${at}, '2020-01-01T01:00:00Z', '[)'), 2, 'Nested', 'cancelled', 'by_staff', 'test')`,
        [randomUUID(), tie, facility.id, residentId],
      );
      await sql(
        `INSERT INTO loans (id, book_id, resident_id, borrowed_at, due_on) VALUES ($1, $3, $4, ${at}, '2020-02-01')`,
        [randomUUID(), tie, book.id, residentId],
      );
      await sql(
        `INSERT INTO inspections (id, equipment_id, inspected_at, passed, notes, inspector_user_id)
         VALUES ($1, $3, ${at}, true, 'Nested', 'fm-2')`,
        [randomUUID(), tie, device.id],
      );
      await sql(
        `INSERT INTO repair_orders (id, equipment_id, facility_id, source, description, status, opened_at, completed_at, resolution)
         VALUES ($1, $3, $4, 'inspection', 'Nested', 'completed', ${at}, now(), 'Fixed')`,
        [randomUUID(), tie, device.id, facility.id],
      );
    }
    const newestFirst = async (table: string, parent: string, id: string, key: string) =>
      (
        await sql<{ id: string }>(
          `SELECT id FROM ${table} WHERE ${parent} = $1 ORDER BY date_trunc('milliseconds', ${key}) DESC, id DESC`,
          [id],
        )
      ).map((r) => r.id);
    const nested: [string, string, string, string[], number][] = [
      [
        'Resident',
        residentId,
        'bookings',
        await newestFirst('bookings', 'resident_id', residentId, 'lower(during)'),
        1,
      ],
      [
        'Resident',
        residentId,
        'loans',
        await newestFirst('loans', 'resident_id', residentId, 'borrowed_at'),
        1,
      ],
      // The device itself is one statement, its page another.
      [
        'Equipment',
        device.id,
        'inspections',
        await newestFirst('inspections', 'equipment_id', device.id, 'inspected_at'),
        2,
      ],
      [
        'Equipment',
        device.id,
        'repairOrders',
        await newestFirst('repair_orders', 'equipment_id', device.id, 'opened_at'),
        2,
      ],
    ];
    for (const [type, id, field, expected, statements] of nested) {
      expect(expected).toHaveLength(5);
      const through = nestedCall(type, id, field);
      const nodes = await readAllPages<{ id: string }>(through, field, {
        first: 2,
        node: 'id',
        statements,
      });
      expect(nodes.map((n) => n.id)).toEqual(expected);
      const counted = await through(`{ ${field} { totalCount } }`);
      expect(counted.data).toEqual({ [field]: { totalCount: 5 } });
      expect(counted.statements).toBe(statements + 1);
      await expectPageBoundsRefused(through, field);
    }
  });

  it('when a facility’s devices are read with their inspections and repair orders, then each is one statement for one device as for five', async () => {
    const statementsFor = async (devices: number) => {
      const facility = data<{ id: string }>(
        await asManager(`mutation { addFacility(input: { name: "Devices", kind: FITNESS_AREA, capacity: 10,
          opensAt: "06:00", closesAt: "22:00", location: "East garden" }) { id } }`),
        'addFacility',
      );
      for (let i = 0; i < devices; i++) {
        const device = data<{ id: string }>(
          await asManager(
            `mutation($f: ID!) { addEquipment(input: { facilityId: $f, name: "Device" }) { id } }`,
            { f: facility.id },
          ),
          'addEquipment',
        );
        await asManager(
          `mutation($e: ID!) { recordInspection(input: { equipmentId: $e, passed: false, notes: "Worn" }) { id } }`,
          { e: device.id },
        );
      }
      const res = await asManager(
        `query($f: ID!) { facility(id: $f) { equipment { id
          inspections(first: 5) { edges { node { passed } } }
          repairOrders(first: 5) { edges { node { source } } } } } }`,
        { f: facility.id },
      );
      const equipment = (
        res.data as {
          facility: {
            equipment: { inspections: { edges: unknown[] }; repairOrders: { edges: unknown[] } }[];
          };
        }
      ).facility.equipment;
      expect(equipment).toHaveLength(devices);
      for (const e of equipment) {
        expect(e.inspections.edges).toEqual([{ node: { passed: false } }]);
        expect(e.repairOrders.edges).toEqual([{ node: { source: 'INSPECTION' } }]);
      }
      return res.statements;
    };
    // The facility, its devices, their inspections, their repair orders.
    expect(await statementsFor(1)).toBe(4);
    expect(await statementsFor(5)).toBe(4);
  });

  it.each([
    ['setFacilityStatus', '{ id: "nope", status: OPEN }', 'input.id'],
    ['cancelBooking', '{ id: "nope" }', 'input.id'],
    ['checkInBooking', '{ id: "nope" }', 'input.id'],
    ['markNoShow', '{ id: "nope" }', 'input.id'],
    ['recordInspection', '{ equipmentId: "nope", passed: true, notes: "" }', 'input.equipmentId'],
    ['reportEquipmentFault', '{ equipmentId: "nope", description: "Loose" }', 'input.equipmentId'],
    ['completeRepair', '{ id: "nope", resolution: "Fixed" }', 'input.id'],
    ['lendBook', `{ bookId: "nope", residentId: "${randomUUID()}" }`, 'input.bookId'],
    ['returnBook', '{ loanId: "nope" }', 'input.loanId'],
  ])(
    'when %s is given an input with a malformed id, then it is BAD_USER_INPUT naming the input field',
    async (mutation, input, field) => {
      const res = await asManager(`mutation { ${mutation}(input: ${input}) { __typename } }`);
      expect(res.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    },
  );

  it.each([
    ['setFacilityStatus', 'id', ', status: OPEN'],
    ['cancelBooking', 'id', ''],
    ['completeRepair', 'id', ', resolution: "Fixed"'],
    ['recordInspection', 'equipmentId', ', passed: true, notes: ""'],
    ['returnBook', 'loanId', ''],
  ])(
    'when %s names a row that does not exist, then it is NOT_FOUND naming the input field',
    async (mutation, key, rest) => {
      const res = await asManager(
        `mutation { ${mutation}(input: { ${key}: "${randomUUID()}"${rest} }) { __typename } }`,
      );
      expect(res.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: `input.${key}` });
    },
  );

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
