import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { Caller, RunningService } from '@liyuan/kit';
import {
  ActivityCancelled,
  FACILITIES_TOPICS,
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  SHARED_SPACES_TOPICS,
  ServiceRequestFiled,
  SpaceActivityScheduled,
} from '@liyuan/schemas';
import {
  collectTopics,
  envelopeFor,
  publishEnvelope,
  testKafka,
  type Received,
} from '@liyuan/test-support/kafka';
import { callSubgraph, caller, startTestService, type GqlResult } from '@liyuan/test-support/stack';
import { waitFor } from '@liyuan/test-support/wait';
import { announceResidents, announceTeam } from '@liyuan/test-support/references';

const HOUR = 3_600_000;
/** A whole hour a few days ahead, at `hour` o'clock Beijing time. */
function slot(daysAhead: number, hour: number, hours = 1): { startsAt: string; endsAt: string } {
  const day =
    Math.floor((Date.now() + 8 * HOUR) / (24 * HOUR)) * 24 * HOUR -
    8 * HOUR +
    daysAhead * 24 * HOUR;
  return {
    startsAt: new Date(day + hour * HOUR).toISOString(),
    endsAt: new Date(day + (hour + hours) * HOUR).toISOString(),
  };
}

/** The facilities subgraph's booking rules, saga and consumers on real PostgreSQL and Kafka. */
describe('facilities: bookings', () => {
  let service: RunningService;
  let stop: () => Promise<void>;
  let producer: Producer;
  let collector: { messages: Received[]; stop(): Promise<void> };
  const manager = caller(['facility_manager'], { userId: 'fm-1' });
  const asManager = (q: string, v?: Record<string, unknown>) =>
    callSubgraph(service, manager, q, v);
  const resident = (id = randomUUID()) =>
    caller(['resident'], { userId: `r-${id}`, residentId: id });

  const ADD = `mutation($input: AddFacilityInput!) { addFacility(input: $input) { id status opensAt closesAt } }`;
  const BOOK = `mutation($input: BookFacilityInput!) { bookFacility(input: $input) { id status startsAt endsAt resident { id } } }`;
  const addFacility = async (overrides: Record<string, unknown> = {}) => {
    const res = await asManager(ADD, {
      input: {
        name: 'Dance Room',
        kind: 'DANCE_ROOM',
        capacity: 30,
        opensAt: '08:00',
        closesAt: '21:00',
        location: 'Floor 3',
        ...overrides,
      },
    });
    return (res.data as { addFacility: { id: string } }).addFacility.id;
  };

  beforeAll(async () => {
    ({ service, stop } = await startTestService('facilities'));
    await service.eventsReady;
    producer = testKafka().producer();
    await producer.connect();
    collector = await collectTopics([FACILITIES_TOPICS.booking, FACILITIES_TOPICS.repairOrder]);
  });
  afterAll(async () => {
    await collector.stop();
    await producer.disconnect();
    await stop();
  });

  const sql = <T>(text: string, params: unknown[] = []) =>
    service.db.dataSource.query(text, params) as Promise<T[]>;

  it('when 50 residents ask for the same slot at once, then exactly one booking is confirmed', async () => {
    const facilityId = await addFacility();
    const period = slot(3, 10);
    const results: GqlResult[] = await Promise.all(
      Array.from({ length: 50 }, () =>
        callSubgraph(service, resident(), BOOK, {
          input: { facilityId, ...period, attendees: 5, purpose: 'Rehearsal' },
        }),
      ),
    );
    const confirmed = results.filter((r) => r.data?.bookFacility);
    const conflicts = results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT');
    expect(confirmed).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    expect(conflicts[0]!.errors![0]!.extensions).toEqual({
      code: 'CONFLICT',
      field: 'input.startsAt',
    });
    const rows = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM bookings WHERE facility_id = $1`,
      [facilityId],
    );
    expect(rows[0]!.n).toBe(1);
    const events = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'BookingConfirmed' AND envelope->'data'->>'facilityId' = $1`,
      [facilityId],
    );
    expect(events[0]!.n).toBe(1);
  });

  it.each([
    ['outside opening hours', { ...slot(2, 6) }, {}, 'BAD_USER_INPUT', 'input.startsAt'],
    ['over capacity', { ...slot(2, 10), attendees: 31 }, {}, 'BAD_USER_INPUT', 'input.attendees'],
    ['in the past', { ...slot(-2, 10) }, {}, 'BAD_USER_INPUT', 'input.startsAt'],
    [
      'ending before it starts',
      { startsAt: slot(2, 11).startsAt, endsAt: slot(2, 10).startsAt },
      {},
      'BAD_USER_INPUT',
      'input.endsAt',
    ],
    ['on a closed facility', { ...slot(2, 10) }, { close: true }, 'CONFLICT', 'input.facilityId'],
  ])(
    'when a booking is %s, then it is refused with the code naming the field, and nothing is written',
    async (_what, period, opts, code, field) => {
      const facilityId = await addFacility();
      if ((opts as { close?: boolean }).close) {
        await asManager(
          `mutation($id: ID!) { setFacilityStatus(input: { id: $id, status: CLOSED }) { status } }`,
          { id: facilityId },
        );
      }
      const res = await callSubgraph(service, resident(), BOOK, {
        input: { facilityId, attendees: 5, purpose: 'Practice', ...period },
      });
      expect(res.errors?.[0]?.extensions).toEqual({ code, field });
      const rows = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM bookings WHERE facility_id = $1`,
        [facilityId],
      );
      expect(rows[0]!.n).toBe(0);
    },
  );

  it('when a manager puts a facility under maintenance and opens it again, then FacilityStatusChanged is written for each change and none for setting the status it has', async () => {
    const facilityId = await addFacility();
    const SET = `mutation($input: SetFacilityStatusInput!) { setFacilityStatus(input: $input) { status } }`;
    for (const status of ['MAINTENANCE', 'MAINTENANCE', 'OPEN']) {
      const res = await asManager(SET, { input: { id: facilityId, status } });
      expect(res.data).toEqual({ setFacilityStatus: { status } });
    }
    const refused = await callSubgraph(service, resident(), SET, {
      input: { id: facilityId, status: 'CLOSED' },
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const events = await sql<{ topic: string; data: Record<string, unknown> }>(
      `SELECT topic, envelope->'data' AS data FROM outbox_events
        WHERE type = 'FacilityStatusChanged' AND aggregate_id = $1 ORDER BY seq`,
      [facilityId],
    );
    expect(events).toEqual([
      { topic: FACILITIES_TOPICS.facility, data: { facilityId, from: 'open', to: 'maintenance' } },
      { topic: FACILITIES_TOPICS.facility, data: { facilityId, from: 'maintenance', to: 'open' } },
    ]);
  });

  it("when residentBookings is read, then the resident and managers get the resident's bookings newest first and anyone else is refused", async () => {
    const facilityId = await addFacility();
    const me = resident();
    const ids: string[] = [];
    for (const hour of [9, 11]) {
      const res = await callSubgraph(service, me, BOOK, {
        input: { facilityId, ...slot(6, hour), attendees: 2, purpose: 'Calligraphy' },
      });
      ids.push((res.data as { bookFacility: { id: string } }).bookFacility.id);
    }
    const READ = `query($r: ID!, $first: Int) { residentBookings(residentId: $r, first: $first) {
      totalCount pageInfo { hasNextPage } edges { node { id } } } }`;
    const page = { residentBookings: { totalCount: 2, pageInfo: { hasNextPage: false } } };
    const newestFirst = [ids[1], ids[0]].map((id) => ({ node: { id } }));
    for (const who of [me, manager]) {
      const res = await callSubgraph(service, who, READ, { r: me.residentId });
      expect(res.data).toEqual({
        residentBookings: { ...page.residentBookings, edges: newestFirst },
      });
    }
    const refusals = await Promise.all([
      callSubgraph(service, resident(), READ, { r: me.residentId }),
      callSubgraph(service, caller(['grid_member']), READ, { r: me.residentId }),
      callSubgraph(service, { userId: null, roles: [], gridIds: [] }, READ, { r: me.residentId }),
      callSubgraph(service, manager, READ, { r: 'not-an-id' }),
      callSubgraph(service, me, READ, { r: me.residentId, first: 0 }),
    ]);
    expect(refusals.map((r) => r.errors?.[0]?.extensions)).toEqual([
      { code: 'FORBIDDEN' },
      { code: 'FORBIDDEN' },
      { code: 'UNAUTHENTICATED' },
      { code: 'BAD_USER_INPUT', field: 'residentId' },
      { code: 'BAD_USER_INPUT', field: 'first' },
    ]);
  });

  it('when a slot is booked, then availability shows it booked and the rest of the day free', async () => {
    const facilityId = await addFacility();
    const period = slot(4, 14, 2);
    expect(
      (
        await callSubgraph(service, resident(), BOOK, {
          input: { facilityId, ...period, attendees: 3, purpose: 'Chess' },
        })
      ).errors,
    ).toBeUndefined();
    const day = slot(4, 0, 24);
    const res = await callSubgraph(
      service,
      { userId: null, roles: [], gridIds: [] },
      `query($id: ID!, $from: DateTime!, $to: DateTime!) { facility(id: $id) { availability(from: $from, to: $to) {
        free { start end } booked { start end } } } }`,
      { id: facilityId, from: day.startsAt, to: day.endsAt },
    );
    const a = (
      res.data as {
        facility: { availability: { free: { start: string; end: string }[]; booked: unknown[] } };
      }
    ).facility.availability;
    expect(a.booked).toEqual([{ start: period.startsAt, end: period.endsAt }]);
    expect(a.free).toEqual([
      { start: slot(4, 8).startsAt, end: period.startsAt },
      { start: period.endsAt, end: slot(4, 20).endsAt },
    ]);
  });

  it('when the booker cancels, then the slot is free again and BookingCancelled is written; cancelling twice is a CONFLICT', async () => {
    const facilityId = await addFacility();
    const me = resident();
    const period = slot(5, 9);
    const booking = (
      await callSubgraph(service, me, BOOK, {
        input: { facilityId, ...period, attendees: 2, purpose: 'Tea' },
      })
    ).data as {
      bookFacility: { id: string };
    };
    const cancel = `mutation($id: ID!) { cancelBooking(input: { id: $id }) { status reason } }`;
    const other = await callSubgraph(service, resident(), cancel, { id: booking.bookFacility.id });
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await callSubgraph(service, me, cancel, { id: booking.bookFacility.id })).data).toEqual(
      {
        cancelBooking: { status: 'CANCELLED', reason: 'by_booker' },
      },
    );
    expect(
      (await callSubgraph(service, me, cancel, { id: booking.bookFacility.id })).errors?.[0]
        ?.extensions,
    ).toEqual({
      code: 'CONFLICT',
      field: 'input.id',
    });
    const again = await callSubgraph(service, resident(), BOOK, {
      input: { facilityId, ...period, attendees: 2, purpose: 'Tea' },
    });
    expect(again.errors).toBeUndefined();
  });

  describe('venue saga', () => {
    const answers = (activityId: string) =>
      collector.messages.filter(
        (m) => (m.value.data as { activityId?: string }).activityId === activityId,
      );

    it('when an activity asks for a free venue (delivered twice), then it is booked once and BookingConfirmed answers with its id', async () => {
      const facilityId = await addFacility();
      const activityId = randomUUID();
      const request = envelopeFor(SpaceActivityScheduled, activityId, {
        activityId,
        spaceId: randomUUID(),
        facilityId,
        ...slot(6, 15),
        expectedAttendees: 20,
      });
      await publishEnvelope(producer, SHARED_SPACES_TOPICS.activity, request);
      await publishEnvelope(producer, SHARED_SPACES_TOPICS.activity, request);
      // The same request re-published under a new event id is answered once too.
      await publishEnvelope(producer, SHARED_SPACES_TOPICS.activity, {
        ...request,
        id: randomUUID(),
      });
      await waitFor('the answer', () => (answers(activityId).length ? true : undefined));
      await waitFor('all three deliveries handled', async () => {
        const rows = await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM processed_events WHERE event_type = 'SpaceActivityScheduled'
          AND event_id = ANY ($1)`,
          [[request.id]],
        );
        return rows[0]!.n === 1 ? true : undefined;
      });
      await waitFor('the outbox drained', async () =>
        (await service.relay.backlog()).count === 0 ? true : undefined,
      );
      expect(answers(activityId).map((m) => m.value.type)).toEqual(['BookingConfirmed']);
      const rows = await sql<{ status: string }>(
        `SELECT status FROM bookings WHERE organiser_id = $1`,
        [activityId],
      );
      expect(rows).toEqual([{ status: 'confirmed' }]);
    });

    it('when a booked activity is cancelled (delivered twice), then its booking is cancelled once, by its booker, and the slot is free again', async () => {
      const facilityId = await addFacility();
      const activityId = randomUUID();
      const period = slot(6, 18);
      const activity = { activityId, spaceId: randomUUID(), facilityId, ...period };
      await publishEnvelope(
        producer,
        SHARED_SPACES_TOPICS.activity,
        envelopeFor(SpaceActivityScheduled, activityId, { ...activity, expectedAttendees: 10 }),
      );
      const cancelled = envelopeFor(ActivityCancelled, activityId, activity);
      await publishEnvelope(producer, SHARED_SPACES_TOPICS.activity, cancelled);
      await publishEnvelope(producer, SHARED_SPACES_TOPICS.activity, cancelled);
      await waitFor('the booking confirmed, then cancelled', () =>
        answers(activityId).length === 2 ? true : undefined,
      );
      await waitFor('both deliveries handled', async () => {
        const rows = await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM processed_events WHERE event_id = $1`,
          [cancelled.id],
        );
        return rows[0]!.n === 1 ? true : undefined;
      });
      await waitFor('the outbox drained', async () =>
        (await service.relay.backlog()).count === 0 ? true : undefined,
      );
      expect(
        answers(activityId).map((m) => [
          m.value.type,
          (m.value.data as { reason?: string }).reason,
        ]),
      ).toEqual([
        ['BookingConfirmed', undefined],
        ['BookingCancelled', 'by_booker'],
      ]);
      expect(
        await sql(`SELECT status, reason FROM bookings WHERE organiser_id = $1`, [activityId]),
      ).toEqual([{ status: 'cancelled', reason: 'by_booker' }]);
      // The slot is free: a resident books it.
      const res = await callSubgraph(service, resident(), BOOK, {
        input: { facilityId, ...period, attendees: 2, purpose: 'Chess club' },
      });
      expect(res.errors).toBeUndefined();
    });

    it('when the venue is already booked, then BookingRejected answers with the activity id and reason slot_taken', async () => {
      const facilityId = await addFacility();
      const period = slot(7, 10);
      expect(
        (
          await callSubgraph(service, resident(), BOOK, {
            input: { facilityId, ...period, attendees: 2, purpose: 'x' },
          })
        ).errors,
      ).toBeUndefined();
      const activityId = randomUUID();
      await publishEnvelope(
        producer,
        SHARED_SPACES_TOPICS.activity,
        envelopeFor(SpaceActivityScheduled, activityId, {
          activityId,
          spaceId: randomUUID(),
          facilityId,
          ...period,
          expectedAttendees: 10,
        }),
      );
      const [answer] = await waitFor('the answer', () =>
        answers(activityId).length ? answers(activityId) : undefined,
      );
      expect(answer!.value).toMatchObject({
        type: 'BookingRejected',
        data: { activityId, facilityId, reason: 'slot_taken' },
      });
      const held = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM bookings WHERE facility_id = $1 AND status = 'confirmed'`,
        [facilityId],
      );
      expect(held[0]!.n).toBe(1);
    });
  });

  it('when a resident moves out, then their future bookings are cancelled with BookingCancelled and open loans flagged', async () => {
    const facilityId = await addFacility();
    const me = resident();
    const residentId = me.residentId!;
    const [, otherReader] = await announceResidents(producer, service, [residentId, randomUUID()]);
    const booking = (
      await callSubgraph(service, me, BOOK, {
        input: { facilityId, ...slot(8, 9), attendees: 2, purpose: 'x' },
      })
    ).data as {
      bookFacility: { id: string };
    };
    const book = (
      await asManager(
        `mutation { addBook(input: { title: "Tales", author: "Various", copies: 1 }) { id } }`,
      )
    ).data as {
      addBook: { id: string };
    };
    const loan = await asManager(
      `mutation($b: ID!, $r: ID!) { lendBook(input: { bookId: $b, residentId: $r }) { id } }`,
      {
        b: book.addBook.id,
        r: residentId,
      },
    );
    expect(loan.errors).toBeUndefined();
    const secondLoan = await asManager(
      `mutation($b: ID!, $r: ID!) { lendBook(input: { bookId: $b, residentId: $r }) { id } }`,
      {
        b: book.addBook.id,
        r: otherReader,
      },
    );
    expect(secondLoan.errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'input.bookId',
    });

    const moved = envelopeFor(ResidentMovedOut, residentId, {
      residentId,
      householdId: randomUUID(),
      gridId: randomUUID(),
      movedOutOn: '2026-11-20',
    });
    await publishEnvelope(producer, RESIDENTS_TOPICS.resident, moved);
    await publishEnvelope(producer, RESIDENTS_TOPICS.resident, moved);
    const view = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident {
      bookings { edges { node { id status reason } } } loans { edges { node { flaggedAt } } } } } }`;
    await waitFor('the booking cancelled', async () => {
      const res = await callSubgraph(service, me, view, {
        r: [{ __typename: 'Resident', id: residentId }],
      });
      const r = (
        res.data as { _entities: { bookings: { edges: { node: { status: string } }[] } }[] }
      )._entities[0]!;
      return r.bookings.edges[0]?.node.status === 'CANCELLED' ? true : undefined;
    });
    const res = await callSubgraph(service, me, view, {
      r: [{ __typename: 'Resident', id: residentId }],
    });
    expect(res.data).toEqual({
      _entities: [
        {
          bookings: {
            edges: [
              {
                node: {
                  id: booking.bookFacility.id,
                  status: 'CANCELLED',
                  reason: 'resident_moved_out',
                },
              },
            ],
          },
          loans: { edges: [{ node: { flaggedAt: expect.any(String) } }] },
        },
      ],
    });
    const cancelledEvents = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'BookingCancelled' AND aggregate_id = $1`,
      [booking.bookFacility.id],
    );
    expect(cancelledEvents[0]!.n).toBe(1);
    const stranger = await callSubgraph(service, caller(['volunteer_lead']), view, {
      r: [{ __typename: 'Resident', id: residentId }],
    });
    expect(stranger.data).toEqual({ _entities: [{ bookings: null, loans: null }] });
  });

  describe('who and what a booking or a loan may name', () => {
    const count = async (facilityId: string) =>
      (
        await sql<{ n: number }>(`SELECT count(*)::int AS n FROM bookings WHERE facility_id = $1`, [
          facilityId,
        ])
      )[0]!.n;

    it("when a volunteer lead books for their own team, another lead's team or an unknown team, then only their own is booked (FORBIDDEN, BAD_USER_INPUT naming input.teamId)", async () => {
      const facilityId = await addFacility();
      const leadA = caller(['volunteer_lead'], { userId: 'lead-a' });
      const leadB = caller(['volunteer_lead'], { userId: 'lead-b' });
      const teamA = await announceTeam(producer, service, 'lead-a');
      const teamB = await announceTeam(producer, service, 'lead-b');
      const book = (who: Caller, teamId: string, hour: number) =>
        callSubgraph(service, who, BOOK, {
          input: { facilityId, teamId, ...slot(6, hour), attendees: 8, purpose: 'Team meeting' },
        });

      expect((await book(leadA, teamA, 9)).data?.bookFacility).toMatchObject({
        status: 'CONFIRMED',
        resident: null,
      });
      expect((await book(leadA, teamB, 10)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await book(leadB, teamA, 11)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await book(leadA, randomUUID(), 12)).errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.teamId',
      });
      expect((await book(resident(), teamA, 13)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      // Facility staff book for any team the volunteers announced.
      expect((await book(manager, teamB, 14)).data?.bookFacility).toMatchObject({
        status: 'CONFIRMED',
      });
      expect((await book(manager, randomUUID(), 15)).errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.teamId',
      });
      const teams = await sql<{ organiser_id: string }>(
        `SELECT organiser_id FROM bookings WHERE facility_id = $1 ORDER BY lower(during)`,
        [facilityId],
      );
      expect(teams.map((t) => t.organiser_id)).toEqual([teamA, teamB]);
    });

    it('when staff book for or lend to a resident the registry never announced, then BAD_USER_INPUT names the field; a moved-out resident is a CONFLICT; a resident books for themself before the announcement arrives', async () => {
      const facilityId = await addFacility();
      const [known, leaving] = await announceResidents(producer, service, [
        randomUUID(),
        randomUUID(),
      ]);
      const book = (
        who: ReturnType<typeof resident>,
        residentId: string | undefined,
        hour: number,
      ) =>
        callSubgraph(service, who, BOOK, {
          input: { facilityId, residentId, ...slot(7, hour), attendees: 2, purpose: 'Chess' },
        });
      expect((await book(manager, randomUUID(), 9)).errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.residentId',
      });
      expect((await book(manager, known!, 10)).errors).toBeUndefined();
      // A resident's own id comes signed by the gateway: it may be ahead of the registry's event.
      expect((await book(resident(), undefined, 11)).errors).toBeUndefined();

      const bookId = (
        (
          await asManager(
            `mutation { addBook(input: { title: "Tales of the Silk Road", author: "Various", copies: 3 }) { id } }`,
          )
        ).data as { addBook: { id: string } }
      ).addBook.id;
      const lend = (residentId: string) =>
        asManager(
          `mutation($b: ID!, $r: ID!) { lendBook(input: { bookId: $b, residentId: $r }) { id } }`,
          {
            b: bookId,
            r: residentId,
          },
        );
      expect((await lend(randomUUID())).errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.residentId',
      });
      expect((await lend(known!)).errors).toBeUndefined();

      await publishEnvelope(
        producer,
        RESIDENTS_TOPICS.resident,
        envelopeFor(ResidentMovedOut, leaving!, {
          residentId: leaving,
          householdId: randomUUID(),
          gridId: randomUUID(),
          movedOutOn: '2026-11-20',
        }),
      );
      await waitFor('the move-out recorded', async () =>
        (
          await sql<{ status: string }>(
            `SELECT status FROM known_residents WHERE resident_id = $1`,
            [leaving],
          )
        )[0]?.status === 'moved_out'
          ? true
          : undefined,
      );
      expect((await book(manager, leaving, 12)).errors?.[0]?.extensions).toEqual({
        code: 'CONFLICT',
        field: 'input.residentId',
      });
      expect((await lend(leaving!)).errors?.[0]?.extensions).toEqual({
        code: 'CONFLICT',
        field: 'input.residentId',
      });
      expect(await count(facilityId)).toBe(2);
      expect(
        (
          await sql<{ n: number }>(`SELECT count(*)::int AS n FROM loans WHERE book_id = $1`, [
            bookId,
          ])
        )[0]!.n,
      ).toBe(1);
    });

    it('when a booking starts more than a year ahead or a loan is due in more than 90 days, then BAD_USER_INPUT names the field', async () => {
      const facilityId = await addFacility();
      const far = slot(400, 10);
      const res = await callSubgraph(service, resident(), BOOK, {
        input: { facilityId, ...far, attendees: 2, purpose: 'Far ahead' },
      });
      expect(res.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.startsAt',
      });
      const end = await callSubgraph(service, resident(), BOOK, {
        input: {
          facilityId,
          startsAt: '9999-12-31T02:00:00Z',
          endsAt: '9999-12-31T03:00:00Z',
          attendees: 2,
          purpose: 'The end of time',
        },
      });
      expect(end.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.startsAt',
      });
      expect(await count(facilityId)).toBe(0);

      const [reader] = await announceResidents(producer, service);
      const bookId = (
        (
          await asManager(
            `mutation { addBook(input: { title: "Chinese Chess Openings", author: "Hu Qiang", copies: 1 }) { id } }`,
          )
        ).data as { addBook: { id: string } }
      ).addBook.id;
      for (const dueOn of [
        '9999-12-31',
        new Date(Date.now() + 100 * 86_400_000).toISOString().slice(0, 10),
      ]) {
        const loan = await asManager(
          `mutation($b: ID!, $r: ID!, $d: Date) { lendBook(input: { bookId: $b, residentId: $r, dueOn: $d }) { id } }`,
          { b: bookId, r: reader, d: dueOn },
        );
        expect(loan.errors?.[0]?.extensions).toEqual({
          code: 'BAD_USER_INPUT',
          field: 'input.dueOn',
        });
      }
    });

    it('when a string argument carries a null byte, another control character or a lone surrogate, then BAD_USER_INPUT names the field and nothing is written', async () => {
      const facilityId = await addFacility();
      const anonymous: Caller = { userId: null, roles: [], gridIds: [] };
      const cases: [string, Caller, string, Record<string, unknown>, string][] = [
        [
          'books(search:)',
          anonymous,
          `query($s: String) { books(search: $s) { totalCount } }`,
          { s: 'a\u0000b' },
          'search',
        ],
        [
          'a booking purpose',
          resident(),
          BOOK,
          { input: { facilityId, ...slot(9, 10), attendees: 2, purpose: 'Tea\u0000party' } },
          'input.purpose',
        ],
        [
          'a facility name',
          manager,
          ADD,
          {
            input: {
              name: '\ud800 Room',
              kind: 'DANCE_ROOM',
              capacity: 10,
              opensAt: '08:00',
              closesAt: '20:00',
              location: 'Floor 1',
            },
          },
          'input.name',
        ],
        [
          'a book title',
          manager,
          `mutation($t: String!) { addBook(input: { title: $t, author: "A", copies: 1 }) { id } }`,
          { t: 'Line one\nline two' },
          'input.title',
        ],
      ];
      for (const [what, who, query, variables, field] of cases) {
        const res = await callSubgraph(service, who, query, variables);
        expect({ what, error: res.errors?.[0]?.extensions }).toEqual({
          what,
          error: { code: 'BAD_USER_INPUT', field },
        });
      }
      expect(await count(facilityId)).toBe(0);
      const equipment = (
        (
          await asManager(
            `mutation($f: ID!) { addEquipment(input: { facilityId: $f, name: "Air Walker" }) { id } }`,
            { f: facilityId },
          )
        ).data as { addEquipment: { id: string } }
      ).addEquipment.id;
      const fault = await callSubgraph(
        service,
        resident(),
        `mutation($e: ID!, $d: String!) { reportEquipmentFault(input: { equipmentId: $e, description: $d }) { id } }`,
        { e: equipment, d: 'Squeaks\u0007' },
      );
      expect(fault.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.description',
      });
      // Free text keeps its line breaks.
      const notes = await asManager(
        `mutation($e: ID!, $n: String!) { recordInspection(input: { equipmentId: $e, passed: true, notes: $n }) {
          inspections { edges { node { notes } } } } }`,
        { e: equipment, n: 'Bolts tight.\nPaint fresh.' },
      );
      expect(notes.data).toEqual({
        recordInspection: {
          inspections: { edges: [{ node: { notes: 'Bolts tight.\nPaint fresh.' } }] },
        },
      });
      expect(
        (
          await sql<{ n: number }>(
            `SELECT count(*)::int AS n FROM repair_orders WHERE equipment_id = $1`,
            [equipment],
          )
        )[0]!.n,
      ).toBe(0);
    });
  });

  it('when a facility-fault service request arrives (twice), then one repair order is opened and announced', async () => {
    const requestId = randomUUID();
    const filed = envelopeFor(ServiceRequestFiled, requestId, {
      requestId,
      residentId: randomUUID(),
      householdId: randomUUID(),
      gridId: randomUUID(),
      type: 'facility_fault',
    });
    await publishEnvelope(producer, RESIDENTS_TOPICS.serviceRequest, filed);
    await publishEnvelope(producer, RESIDENTS_TOPICS.serviceRequest, filed);
    const opened = () =>
      collector.messages.filter(
        (m) => (m.value.data as { serviceRequestId?: string }).serviceRequestId === requestId,
      );
    await waitFor('RepairOrderOpened', () => (opened().length ? true : undefined));
    await waitFor('the outbox drained', async () =>
      (await service.relay.backlog()).count === 0 ? true : undefined,
    );
    expect(opened()).toHaveLength(1);
    const orders = await sql<{ source: string }>(
      `SELECT source FROM repair_orders WHERE service_request_id = $1`,
      [requestId],
    );
    expect(orders).toEqual([{ source: 'service_request' }]);
  });
});
