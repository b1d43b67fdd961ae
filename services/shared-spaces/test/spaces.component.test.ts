import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { Caller, RunningService } from '@liyuan/kit';
import {
  BookingConfirmed,
  FACILITIES_TOPICS,
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  VOLUNTEERS_TOPICS,
  VolunteerServiceApproved,
} from '@liyuan/schemas';
import { seedSharedSpacesDemo } from '../src/data/demo-seed';
import { envelopeFor, publishEnvelope, testKafka } from '@liyuan/test-support/kafka';
import {
  callSubgraph,
  caller,
  silentLogger,
  startTestService,
  type GqlResult,
} from '@liyuan/test-support/stack';
import { waitFor } from '@liyuan/test-support/wait';
import { announceFacility, announceResidents } from '@liyuan/test-support/references';
import { expectPageBoundsRefused, readAllPages } from '@liyuan/test-support/pages';
import { underEntity } from '@liyuan/test-support/entity-pages';

const DAY = 86_400_000;

/** Branches, members, activities, registrations and points on real PostgreSQL and Kafka. */
describe('shared spaces', () => {
  let service: RunningService;
  let stop: () => Promise<void>;
  let producer: Producer;
  /** A facility facilities announced: spaces are hosted in it. */
  let facilityId: string;
  const secretary = caller(['party_secretary'], { userId: 'secretary-1' });
  const asSecretary = (q: string, v?: Record<string, unknown>) =>
    callSubgraph(service, secretary, q, v);
  const ok = <T>(res: GqlResult, field: string): T => {
    const v = (res.data as Record<string, T> | null)?.[field];
    if (!v) throw new Error(`${field}: ${JSON.stringify(res.errors)}`);
    return v;
  };
  const sql = <T>(text: string, params: unknown[] = []) =>
    service.db.dataSource.query(text, params) as Promise<T[]>;

  beforeAll(async () => {
    ({ service, stop } = await startTestService('shared-spaces'));
    await service.eventsReady;
    producer = testKafka().producer();
    await producer.connect();
    facilityId = await announceFacility(producer, service);
  });
  afterAll(async () => {
    await producer.disconnect();
    await stop();
  });

  const newActivity = async (capacity: number) => {
    const space = ok<{ id: string }>(
      await asSecretary(
        `mutation($f: ID!) { createSharedSpace(input: { name: "Silver Age Home", theme: ELDERLY_CARE, facilityId: $f }) { id } }`,
        {
          f: facilityId,
        },
      ),
      'createSharedSpace',
    );
    const startsAt = new Date(Date.now() + 3 * DAY).toISOString();
    const endsAt = new Date(Date.now() + 3 * DAY + 2 * 3_600_000).toISOString();
    const activity = ok<{ id: string; status: string }>(
      await asSecretary(
        `mutation($s: ID!, $a: DateTime!, $b: DateTime!, $c: Int!) {
          scheduleActivity(input: { spaceId: $s, title: "Elderly lunch", startsAt: $a, endsAt: $b, capacity: $c }) { id status } }`,
        { s: space.id, a: startsAt, b: endsAt, c: capacity },
      ),
      'scheduleActivity',
    );
    expect(activity.status).toBe('PLANNED');
    return activity.id;
  };
  const confirm = async (activityId: string) => {
    await publishEnvelope(
      producer,
      FACILITIES_TOPICS.booking,
      envelopeFor(BookingConfirmed, randomUUID(), {
        bookingId: randomUUID(),
        facilityId: randomUUID(),
        bookerType: 'activity',
        residentId: null,
        organiserId: null,
        activityId,
        startsAt: new Date(Date.now() + 3 * DAY).toISOString(),
        endsAt: new Date(Date.now() + 3 * DAY + 3_600_000).toISOString(),
      }),
    );
    await waitFor('the activity confirmed', async () => {
      const res = await asSecretary(`query($id: ID!) { activity(id: $id) { status } }`, {
        id: activityId,
      });
      return (res.data as { activity: { status: string } }).activity.status === 'CONFIRMED'
        ? true
        : undefined;
    });
  };

  it('when scheduled, then SpaceActivityScheduled asks facilities for the venue and the activity waits, planned', async () => {
    const id = await newActivity(10);
    const rows = await sql<{
      type: string;
      data: { activityId: string; expectedAttendees: number };
    }>(`SELECT type, envelope->'data' AS data FROM outbox_events WHERE aggregate_id = $1`, [id]);
    expect(rows).toEqual([
      {
        type: 'SpaceActivityScheduled',
        data: expect.objectContaining({ activityId: id, expectedAttendees: 10 }),
      },
    ]);
  });

  it('when 30 residents register at once for 5 places, then exactly 5 are registered', async () => {
    const id = await newActivity(5);
    await confirm(id);
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        callSubgraph(
          service,
          caller(['resident'], { residentId: randomUUID() }),
          `mutation($id: ID!) { registerForActivity(input: { activityId: $id }) { registeredCount } }`,
          {
            id,
          },
        ),
      ),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(5);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(25);
    const rows = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM registrations WHERE activity_id = $1 AND status = 'registered'`,
      [id],
    );
    expect(rows[0]!.n).toBe(5);
  });

  it('when residents register (one of them twice), withdraw and the activity is cancelled, then each change publishes one event with counts and no resident, and a cancelled activity takes nobody', async () => {
    const id = await newActivity(4);
    const [a, b] = [randomUUID(), randomUUID()];
    const as = (r: string) => caller(['resident'], { residentId: r });
    const register = `mutation($id: ID!) { registerForActivity(input: { activityId: $id }) { registeredCount } }`;
    const withdraw = `mutation($id: ID!) { cancelRegistration(input: { activityId: $id }) { registeredCount } }`;
    const cancel = `mutation($id: ID!) { cancelActivity(input: { activityId: $id }) { id status registeredCount } }`;
    expect((await callSubgraph(service, as(a), register, { id })).data).toEqual({
      registerForActivity: { registeredCount: 1 },
    });
    // Registering twice changes nothing and publishes nothing.
    await callSubgraph(service, as(a), register, { id });
    await callSubgraph(service, as(b), register, { id });
    await callSubgraph(service, as(a), withdraw, { id });

    // Only party secretaries, staff and admins call an activity off.
    expect((await callSubgraph(service, as(a), cancel, { id })).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect(
      (await callSubgraph(service, { ...caller([]), userId: null }, cancel, { id })).errors?.[0]
        ?.extensions?.code,
    ).toBe('UNAUTHENTICATED');
    expect((await asSecretary(cancel, { id: 'nope' })).errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.activityId',
    });
    expect((await asSecretary(cancel, { id: randomUUID() })).errors?.[0]?.extensions).toMatchObject(
      { code: 'NOT_FOUND', field: 'input.activityId' },
    );
    expect((await asSecretary(cancel, { id })).data).toEqual({
      cancelActivity: { id, status: 'CANCELLED', registeredCount: 1 },
    });
    expect((await asSecretary(cancel, { id })).errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'input.activityId',
    });
    expect(
      (await callSubgraph(service, as(a), register, { id })).errors?.[0]?.extensions?.code,
    ).toBe('CONFLICT');

    const events = await sql<{ type: string; data: Record<string, unknown> }>(
      `SELECT type, envelope->'data' AS data FROM outbox_events WHERE aggregate_id = $1 ORDER BY seq`,
      [id],
    );
    expect(events.map((e) => e.type)).toEqual([
      'SpaceActivityScheduled',
      'ActivityRegistrationChanged',
      'ActivityRegistrationChanged',
      'ActivityRegistrationChanged',
      'ActivityCancelled',
    ]);
    expect(events.slice(1, 4).map((e) => e.data)).toEqual([
      { activityId: id, registeredCount: 1, capacity: 4 },
      { activityId: id, registeredCount: 2, capacity: 4 },
      { activityId: id, registeredCount: 1, capacity: 4 },
    ]);
    expect(events[4]!.data).toEqual(
      expect.objectContaining({ activityId: id, spaceId: expect.any(String), facilityId }),
    );
    expect(JSON.stringify(events)).not.toContain(a);
    expect(JSON.stringify(events)).not.toContain(b);
  });

  it('when an activity with party members attending is completed, then ActivityCompleted lists attendees and staff and each member earns points once', async () => {
    const branch = ok<{ id: string }>(
      await asSecretary(
        `mutation { createPartyBranch(input: { name: "Courtyard 3 Branch", courtyard: true }) { id } }`,
      ),
      'createPartyBranch',
    );
    const memberResident = (await announceResidents(producer, service))[0]!;
    const register = `mutation($r: ID!, $b: ID!) { registerPartyMember(input: { residentId: $r, branchId: $b, joinedOn: "1998-07-01" }) { id } }`;
    const member = ok<{ id: string }>(
      await asSecretary(register, { r: memberResident, b: branch.id }),
      'registerPartyMember',
    );
    expect(
      (await asSecretary(register, { r: memberResident, b: branch.id })).errors?.[0]?.extensions,
    ).toEqual({ code: 'CONFLICT', field: 'input.residentId' });
    const id = await newActivity(10);
    await confirm(id);
    const other = randomUUID();
    for (const r of [memberResident, other]) {
      await callSubgraph(
        service,
        caller(['resident'], { residentId: r }),
        `mutation($id: ID!) { registerForActivity(input: { activityId: $id }) { id } }`,
        { id },
      );
      await asSecretary(
        `mutation($id: ID!, $r: ID!) { checkInAttendee(input: { activityId: $id, residentId: $r }) { id } }`,
        { id, r },
      );
    }
    const staffer = randomUUID();
    expect(
      (
        await asSecretary(
          `mutation($id: ID!, $s: [ID!]) { completeActivity(input: { activityId: $id, staffResidentIds: $s }) { status } }`,
          { id, s: [staffer] },
        )
      ).data,
    ).toEqual({
      completeActivity: { status: 'COMPLETED' },
    });
    const event = await sql<{
      data: { attendeeResidentIds: string[]; staffResidentIds: string[] };
    }>(
      `SELECT envelope->'data' AS data FROM outbox_events WHERE aggregate_id = $1 AND type = 'ActivityCompleted'`,
      [id],
    );
    expect(event).toHaveLength(1);
    expect(event[0]!.data.attendeeResidentIds.sort()).toEqual([memberResident, other].sort());
    expect(event[0]!.data.staffResidentIds).toEqual([staffer]);
    expect(
      (
        await asSecretary(
          `mutation($id: ID!) { completeActivity(input: { activityId: $id }) { status } }`,
          { id },
        )
      ).errors?.[0]?.extensions?.code,
    ).toBe('CONFLICT');

    const view = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident {
      partyMembership { points pointsHistory { edges { node { delta reason } } } }
      activitiesAttended { edges { node { id } } } } } }`;
    const mine = await callSubgraph(
      service,
      caller(['resident'], { residentId: memberResident }),
      view,
      { r: [{ __typename: 'Resident', id: memberResident }] },
    );
    expect(mine.data).toEqual({
      _entities: [
        {
          partyMembership: {
            points: 2,
            pointsHistory: { edges: [{ node: { delta: 2, reason: 'ATTENDANCE' } }] },
          },
          activitiesAttended: { edges: [{ node: { id } }] },
        },
      ],
    });
    const stranger = await callSubgraph(service, caller(['volunteer_lead']), view, {
      r: [{ __typename: 'Resident', id: memberResident }],
    });
    expect(stranger.data).toEqual({
      _entities: [{ partyMembership: null, activitiesAttended: null }],
    });

    const approved = envelopeFor(VolunteerServiceApproved, randomUUID(), {
      serviceRecordId: randomUUID(),
      residentId: memberResident,
      hours: 3,
      approvedAt: new Date().toISOString(),
    });
    await publishEnvelope(producer, VOLUNTEERS_TOPICS.service, approved);
    await publishEnvelope(producer, VOLUNTEERS_TOPICS.service, approved);
    const again = { ...approved, id: randomUUID() };
    await publishEnvelope(producer, VOLUNTEERS_TOPICS.service, again);
    await waitFor('the service credited', async () => {
      const rows = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM points_ledger WHERE member_id = $1 AND reason = 'service'`,
        [member.id],
      );
      return rows[0]!.n > 0 ? true : undefined;
    });
    await waitFor('every delivery handled', async () => {
      const rows = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM processed_events WHERE event_id = ANY ($1)`,
        [[approved.id, again.id]],
      );
      return rows[0]!.n === 2 ? true : undefined;
    });
    const ledger = await sql<{ delta: number; reason: string }>(
      `SELECT delta, reason FROM points_ledger WHERE member_id = $1 ORDER BY id`,
      [member.id],
    );
    expect(ledger).toEqual([
      { delta: 2, reason: 'attendance' },
      { delta: 3, reason: 'service' },
    ]);
    await expect(
      sql(`UPDATE points_ledger SET delta = 100 WHERE member_id = $1`, [member.id]),
    ).rejects.toThrow('append-only');
  });

  it('when a party member moves out, then the membership is transferred and future registrations cancelled', async () => {
    const branch = ok<{ id: string }>(
      await asSecretary(
        `mutation { createPartyBranch(input: { name: "Courtyard 4 Branch", courtyard: true }) { id } }`,
      ),
      'createPartyBranch',
    );
    const residentId = (await announceResidents(producer, service))[0]!;
    ok(
      await asSecretary(
        `mutation($r: ID!, $b: ID!) { registerPartyMember(input: { residentId: $r, branchId: $b, joinedOn: "2001-07-01" }) { id } }`,
        { r: residentId, b: branch.id },
      ),
      'registerPartyMember',
    );
    const id = await newActivity(10);
    await callSubgraph(
      service,
      caller(['resident'], { residentId }),
      `mutation($id: ID!) { registerForActivity(input: { activityId: $id }) { id } }`,
      { id },
    );
    await publishEnvelope(
      producer,
      RESIDENTS_TOPICS.resident,
      envelopeFor(ResidentMovedOut, residentId, {
        residentId,
        householdId: randomUUID(),
        gridId: randomUUID(),
        movedOutOn: '2026-11-26',
      }),
    );
    await waitFor('the membership transferred', async () => {
      const rows = await sql<{ status: string }>(
        `SELECT status FROM party_members WHERE resident_id = $1`,
        [residentId],
      );
      return rows[0]?.status === 'transferred' ? true : undefined;
    });
    expect(
      await sql(`SELECT status FROM registrations WHERE resident_id = $1`, [residentId]),
    ).toEqual([{ status: 'cancelled' }]);
    // The place freed is published, counts only.
    expect(
      await sql(
        `SELECT envelope->'data' AS data FROM outbox_events WHERE aggregate_id = $1 AND type = 'ActivityRegistrationChanged' ORDER BY seq`,
        [id],
      ),
    ).toEqual([
      { data: { activityId: id, registeredCount: 1, capacity: 10 } },
      { data: { activityId: id, registeredCount: 0, capacity: 10 } },
    ]);
  });

  describe('rosters, references, dates and text', () => {
    const REGISTER = `mutation($r: ID!, $b: ID!, $j: Date!, $p: String, $c: Boolean) {
      registerPartyMember(input: { residentId: $r, branchId: $b, joinedOn: $j, servicePost: $p, reportedToCommunity: $c }) {
        id } }`;
    const newBranch = async (name: string) =>
      ok<{ id: string }>(
        await asSecretary(
          `mutation($n: String!) { createPartyBranch(input: { name: $n, courtyard: true }) { id } }`,
          {
            n: name,
          },
        ),
        'createPartyBranch',
      ).id;
    const members = async () =>
      (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM party_members`))[0]!.n;

    it('when anyone but a party secretary, staff or an admin reads a branch roster, then they see only their own membership (no points of others), never an error', async () => {
      const branch = await newBranch('Courtyard 7 Branch');
      const [a, b] = await announceResidents(producer, service, [randomUUID(), randomUUID()]);
      for (const r of [a!, b!])
        ok(await asSecretary(REGISTER, { r, b: branch, j: '2005-07-01' }), 'registerPartyMember');
      const roster = `{ partyBranches { id members(first: 100) { totalCount edges { node {
        joinedOn servicePost points pointsHistory { edges { node { delta } } } resident { id } } } } } }`;
      const rosterOf = async (who: Caller) => {
        const res = await callSubgraph(service, who, roster);
        expect(res.errors).toBeUndefined();
        const branches = (
          res.data as {
            partyBranches: {
              id: string;
              members: { totalCount: number; edges: { node: { resident: { id: string } } }[] };
            }[];
          }
        ).partyBranches;
        const { members } = branches.find((x) => x.id === branch)!;
        // The total counts only the members the caller may see.
        expect(members.totalCount).toBe(members.edges.length);
        return members.edges.map((e) => e.node.resident.id).sort();
      };
      expect(await rosterOf(secretary)).toEqual([a, b].sort());
      expect(await rosterOf(caller(['staff']))).toEqual([a, b].sort());
      expect(await rosterOf(caller(['admin']))).toEqual([a, b].sort());
      expect(await rosterOf(caller(['resident'], { residentId: a }))).toEqual([a]);
      for (const role of [
        'resident',
        'grid_member',
        'mediator',
        'facility_manager',
        'volunteer_lead',
      ] as const) {
        expect({
          role,
          seen: await rosterOf(caller([role], { residentId: randomUUID() })),
        }).toEqual({ role, seen: [] });
      }
      // The same rule for a member fetched as an entity.
      const memberId = (
        await sql<{ id: string }>(`SELECT id FROM party_members WHERE resident_id = $1`, [b])
      )[0]!.id;
      const entity = `query($r: [_Any!]!) { _entities(representations: $r) { ... on PartyMember { points } } }`;
      const reps = { r: [{ __typename: 'PartyMember', id: memberId }] };
      expect(
        (await callSubgraph(service, caller(['resident'], { residentId: a }), entity, reps)).data,
      ).toEqual({ _entities: [null] });
      expect(
        (await callSubgraph(service, caller(['resident'], { residentId: b }), entity, reps)).data,
      ).toEqual({ _entities: [{ points: 0 }] });
    });

    it('when a party member or a shared space names a resident or facility never announced, then BAD_USER_INPUT names the field; a moved-out resident is a CONFLICT', async () => {
      const branch = await newBranch('Courtyard 8 Branch');
      const before = await members();
      expect(
        (await asSecretary(REGISTER, { r: randomUUID(), b: branch, j: '2005-07-01' })).errors?.[0]
          ?.extensions,
      ).toEqual({ code: 'BAD_USER_INPUT', field: 'input.residentId' });
      const [gone] = await announceResidents(producer, service);
      await publishEnvelope(
        producer,
        RESIDENTS_TOPICS.resident,
        envelopeFor(ResidentMovedOut, gone!, {
          residentId: gone,
          householdId: randomUUID(),
          gridId: randomUUID(),
          movedOutOn: '2026-11-26',
        }),
      );
      await waitFor('the move-out recorded', async () =>
        (
          await sql<{ status: string }>(
            `SELECT status FROM known_residents WHERE resident_id = $1`,
            [gone],
          )
        )[0]?.status === 'moved_out'
          ? true
          : undefined,
      );
      expect(
        (await asSecretary(REGISTER, { r: gone, b: branch, j: '2005-07-01' })).errors?.[0]
          ?.extensions,
      ).toEqual({ code: 'CONFLICT', field: 'input.residentId' });
      expect(await members()).toBe(before);

      const spaces = async () =>
        (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM shared_spaces`))[0]!.n;
      const spacesBefore = await spaces();
      const space = await asSecretary(
        `mutation($f: ID!) { createSharedSpace(input: { name: "Reading Corner", theme: READING, facilityId: $f }) { id } }`,
        { f: randomUUID() },
      );
      expect(space.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.facilityId',
      });
      expect(await spaces()).toBe(spacesBefore);
    });

    it('when a join date or an activity is outside its plausible range, then BAD_USER_INPUT names the field', async () => {
      const branch = await newBranch('Courtyard 9 Branch');
      const [r] = await announceResidents(producer, service);
      const tomorrow = new Date(Date.now() + 2 * DAY).toISOString().slice(0, 10);
      for (const j of ['0001-01-01', '1921-06-30', '9999-12-31', tomorrow]) {
        const res = await asSecretary(REGISTER, { r, b: branch, j });
        expect({ j, error: res.errors?.[0]?.extensions }).toEqual({
          j,
          error: { code: 'BAD_USER_INPUT', field: 'input.joinedOn' },
        });
      }
      ok(await asSecretary(REGISTER, { r, b: branch, j: '1921-07-01' }), 'registerPartyMember');

      const space = ok<{ id: string }>(
        await asSecretary(
          `mutation($f: ID!) { createSharedSpace(input: { name: "Culture Hall", theme: CULTURE_AND_ENTERTAINMENT, facilityId: $f }) { id } }`,
          { f: facilityId },
        ),
        'createSharedSpace',
      );
      const schedule = `mutation($s: ID!, $a: DateTime!, $b: DateTime!) {
        scheduleActivity(input: { spaceId: $s, title: "Opera", startsAt: $a, endsAt: $b, capacity: 10 }) { id } }`;
      const soon = Date.now() + 3 * DAY;
      const cases: [string, string, string][] = [
        ['9999-12-31T01:00:00Z', '9999-12-31T02:00:00Z', 'input.startsAt'],
        [new Date(soon).toISOString(), new Date(soon + 366 * DAY).toISOString(), 'input.endsAt'],
        [
          new Date(soon).toISOString(),
          new Date(soon + 25 * 3_600_000).toISOString(),
          'input.endsAt',
        ],
      ];
      for (const [a, b, field] of cases) {
        const res = await asSecretary(schedule, { s: space.id, a, b });
        expect({ a, b, error: res.errors?.[0]?.extensions }).toEqual({
          a,
          b,
          error: { code: 'BAD_USER_INPUT', field },
        });
      }
      expect(await sql(`SELECT id FROM activities WHERE space_id = $1`, [space.id])).toEqual([]);
    });

    it('when text carries a null byte, a control character or a lone surrogate, then BAD_USER_INPUT names the field', async () => {
      const branch = await newBranch('Courtyard 10 Branch');
      const [r] = await announceResidents(producer, service);
      const cases: [string, Record<string, unknown>, string][] = [
        [
          `mutation($n: String!) { createPartyBranch(input: { name: $n, courtyard: false }) { id } }`,
          { n: 'Branch\u0000' },
          'input.name',
        ],
        [
          REGISTER,
          { r, b: branch, j: '2005-07-01', c: true, p: 'Door\ud800keeper' },
          'input.servicePost',
        ],
        [
          `mutation($f: ID!, $n: String!) { createSharedSpace(input: { name: $n, theme: READING, facilityId: $f }) { id } }`,
          { f: facilityId, n: 'Reading\u0085Room' },
          'input.name',
        ],
      ];
      for (const [query, variables, field] of cases) {
        const res = await asSecretary(query, variables);
        expect({ field, error: res.errors?.[0]?.extensions }).toEqual({
          field,
          error: { code: 'BAD_USER_INPUT', field },
        });
      }
      expect(await sql(`SELECT id FROM party_members WHERE resident_id = $1`, [r])).toEqual([]);
    });
  });

  it('when upcoming activities are read a page at a time, then the pages cover every one once, soonest first, one statement each, counted only when asked', async () => {
    const [space] = await sql<{ id: string }>(`SELECT space_id AS id FROM activities LIMIT 1`);
    const spaceId = space?.id ?? (await sql<{ id: string }>(`SELECT id FROM shared_spaces`))[0]!.id;
    for (let i = 0; i < 5; i++)
      await sql(
        `INSERT INTO activities (id, space_id, facility_id, title, starts_at, ends_at, capacity, status, organiser)
         VALUES ($1, $2, $3, 'Paged', date_trunc('day', now()) + interval '5 days 0.000123 seconds' + $4 * interval '1 microsecond',
                 date_trunc('day', now()) + interval '6 days', 10, 'planned', 'test')`,
        [randomUUID(), spaceId, facilityId, i % 2],
      );
    const expected = (
      await sql<{ id: string }>(
        `SELECT id FROM activities WHERE starts_at > now() AND status IN ('planned', 'confirmed')
          ORDER BY date_trunc('milliseconds', starts_at), id`,
      )
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThanOrEqual(5);
    const anonymous: Caller = { userId: null, roles: [], gridIds: [] };
    const asAnyone = (q: string, v?: Record<string, unknown>) =>
      callSubgraph(service, anonymous, q, v);
    const nodes = await readAllPages<{ id: string }>(asAnyone, 'upcomingActivities', {
      first: 2,
      node: 'id',
      statements: 1,
    });
    expect(nodes.map((n) => n.id)).toEqual(expected);
    const counted = await asAnyone(`{ upcomingActivities { totalCount } }`);
    expect(counted.data).toEqual({ upcomingActivities: { totalCount: expected.length } });
    expect(counted.statements).toBe(2);
    await expectPageBoundsRefused(asAnyone, 'upcomingActivities');
  });

  describe('nested lists, a page at a time', () => {
    /** A branch with five members (two joined the same day), the first with five ledger entries. */
    let branchId: string;
    let memberIds: string[];
    /** A facility of its own with one space: five activities to come, one cancelled, five done. */
    let facility: string;
    let spaceId: string;
    /** A resident checked in to the five completed activities (and registered for one more). */
    const attendee = randomUUID();
    const insertActivity = async (startsIn: string, status: string) => {
      const id = randomUUID();
      await sql(
        `INSERT INTO activities (id, space_id, facility_id, title, starts_at, ends_at, capacity, status, organiser)
         VALUES ($1, $2, $3, 'Nested', date_trunc('day', now()) + $4::interval,
                 date_trunc('day', now()) + $4::interval + interval '2 hours', 10, $5, 'test')`,
        [id, spaceId, facility, startsIn, status],
      );
      return id;
    };
    const ids = async (text: string, params: unknown[]) =>
      (await sql<{ id: string }>(text, params)).map((r) => String(r.id));

    beforeAll(async () => {
      branchId = randomUUID();
      await sql(
        `INSERT INTO party_branches (id, name, kind) VALUES ($1, 'Paged Branch', 'community')`,
        [branchId],
      );
      memberIds = [];
      for (const joinedOn of [
        '2001-01-01',
        '2001-01-01',
        '1999-05-05',
        '2010-10-10',
        '2005-07-01',
      ]) {
        const id = randomUUID();
        await sql(
          `INSERT INTO party_members (id, resident_id, branch_id, joined_on) VALUES ($1, $2, $3, $4)`,
          [id, randomUUID(), branchId, joinedOn],
        );
        memberIds.push(id);
      }
      for (let i = 0; i < 5; i++)
        await sql(
          `INSERT INTO points_ledger (member_id, delta, reason, reference) VALUES ($1, $2, $3, $4)`,
          [memberIds[0], i + 1, i % 2 ? 'service' : 'attendance', `paged-${i}`],
        );
      facility = await announceFacility(producer, service);
      spaceId = randomUUID();
      await sql(
        `INSERT INTO shared_spaces (id, name, theme, facility_id) VALUES ($1, 'Paged Space', 'reading', $2)`,
        [spaceId, facility],
      );
      // Two start within the same millisecond: the id breaks the tie.
      for (const [startsIn, status] of [
        ['4 days 0.000100 seconds', 'planned'],
        ['4 days 0.000300 seconds', 'confirmed'],
        ['2 days', 'planned'],
        ['9 days', 'confirmed'],
        ['6 days', 'planned'],
        ['3 days', 'cancelled'],
      ] as const)
        await insertActivity(startsIn, status);
      for (const startsIn of [
        '-3 days',
        '-10 days',
        '-1 day',
        '-20 days',
        '-3 days 0.0002 seconds',
      ]) {
        const id = await insertActivity(startsIn, 'completed');
        await sql(
          `INSERT INTO registrations (activity_id, resident_id, status) VALUES ($1, $2, 'checked_in')`,
          [id, attendee],
        );
      }
      const notAttended = await insertActivity('-5 days', 'completed');
      await sql(
        `INSERT INTO registrations (activity_id, resident_id, status) VALUES ($1, $2, 'registered')`,
        [notAttended, attendee],
      );
    });

    it('when each nested list is read a page at a time, then the pages cover it once in order, one statement each after its parent, counted only when asked', async () => {
      const anonymous: Caller = { userId: null, roles: [], gridIds: [] };
      const asAnyone = (q: string, v?: Record<string, unknown>) =>
        callSubgraph(service, anonymous, q, v);
      const asAttendee = (q: string, v?: Record<string, unknown>) =>
        callSubgraph(service, caller(['resident'], { residentId: attendee }), q, v);
      const listings: {
        call: (q: string, v?: Record<string, unknown>) => Promise<GqlResult>;
        field: string;
        node: string;
        expected: unknown[];
        /** Statements of the parent (loading the entity) before the page. */
        parent: number;
      }[] = [
        {
          call: underEntity(asSecretary, { __typename: 'PartyBranch', id: branchId }),
          field: 'members',
          node: 'id status',
          expected: (
            await ids(`SELECT id FROM party_members WHERE branch_id = $1 ORDER BY joined_on, id`, [
              branchId,
            ])
          ).map((id) => ({ id, status: 'ACTIVE' })),
          parent: 1,
        },
        {
          call: underEntity(asSecretary, { __typename: 'PartyMember', id: memberIds[0]! }),
          field: 'pointsHistory',
          node: 'id delta reason',
          expected: (
            await sql<{ id: string; delta: number; reason: string }>(
              `SELECT id, delta, reason FROM points_ledger WHERE member_id = $1 ORDER BY id DESC`,
              [memberIds[0]],
            )
          ).map((e) => ({ id: String(e.id), delta: e.delta, reason: e.reason.toUpperCase() })),
          parent: 1,
        },
        {
          call: underEntity(asAnyone, { __typename: 'SharedSpace', id: spaceId }),
          field: 'activities',
          node: 'id',
          expected: (
            await ids(
              `SELECT id FROM activities WHERE space_id = $1 ORDER BY date_trunc('milliseconds', starts_at), id`,
              [spaceId],
            )
          ).map((id) => ({ id })),
          parent: 1,
        },
        {
          call: underEntity(asAnyone, { __typename: 'Facility', id: facility }),
          field: 'upcomingActivities',
          node: 'id',
          expected: (
            await ids(
              `SELECT id FROM activities WHERE facility_id = $1 AND starts_at > now() AND status IN ('planned', 'confirmed')
                ORDER BY date_trunc('milliseconds', starts_at), id`,
              [facility],
            )
          ).map((id) => ({ id })),
          parent: 0,
        },
        {
          call: underEntity(asAttendee, { __typename: 'Resident', id: attendee }),
          field: 'activitiesAttended',
          node: 'id',
          expected: (
            await ids(
              `SELECT a.id FROM registrations r JOIN activities a ON a.id = r.activity_id
                WHERE r.resident_id = $1 AND r.status = 'checked_in' AND a.status = 'completed'
                ORDER BY date_trunc('milliseconds', a.starts_at) DESC, a.id DESC`,
              [attendee],
            )
          ).map((id) => ({ id })),
          parent: 0,
        },
      ];
      for (const { call, field, node, expected, parent } of listings) {
        expect({ field, enough: expected.length >= 5 }).toEqual({ field, enough: true });
        const nodes = await readAllPages(call, field, { first: 2, node, statements: parent + 1 });
        expect({ field, nodes }).toEqual({ field, nodes: expected });
        const counted = await call(`{ ${field} { totalCount } }`);
        expect({ field, data: counted.data }).toEqual({
          field,
          data: { [field]: { totalCount: expected.length } },
        });
        expect({ field, statements: counted.statements }).toEqual({
          field,
          statements: parent + 2,
        });
        await expectPageBoundsRefused(call, field);
      }
    });

    it('when many parents ask for their nested pages, then each page and each count is one statement for all of them', async () => {
      const otherBranch = randomUUID();
      await sql(
        `INSERT INTO party_branches (id, name, kind) VALUES ($1, 'Small Branch', 'courtyard')`,
        [otherBranch],
      );
      await sql(
        `INSERT INTO party_members (id, resident_id, branch_id, joined_on) VALUES ($1, $2, $3, '2012-01-01')`,
        [randomUUID(), randomUUID(), otherBranch],
      );
      const reps = (typename: string, list: string[]) => ({
        r: list.map((id) => ({ __typename: typename, id })),
      });
      const cases: { query: string; parents: Record<string, unknown>; statements: number }[] = [
        {
          // The branches, then a page and a count of members, their points, a page and a count of each ledger.
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on PartyBranch { kind
            members(first: 2) { totalCount edges { node { id points
              pointsHistory(first: 2) { totalCount edges { node { id } } } } } } } } }`,
          parents: reps('PartyBranch', [branchId, otherBranch, randomUUID()]),
          statements: 6,
        },
        {
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident {
            activitiesAttended(first: 2) { totalCount edges { node { id } } } } } }`,
          parents: reps('Resident', [attendee, randomUUID(), randomUUID()]),
          statements: 2,
        },
        {
          // A page and a count of activities to come, the spaces, a page and a count of their activities.
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Facility {
            upcomingActivities(first: 2) { totalCount edges { node { id } } }
            sharedSpaces { activities(first: 2) { totalCount edges { node { id } } } } } } }`,
          parents: reps('Facility', [facility, facilityId, randomUUID()]),
          statements: 5,
        },
      ];
      for (const { query, parents, statements } of cases) {
        const one = await asSecretary(query, { r: (parents.r as unknown[]).slice(0, 1) });
        const all = await asSecretary(query, parents);
        expect(all.errors).toBeUndefined();
        expect({ query, one: one.statements, all: all.statements }).toEqual({
          query,
          one: statements,
          all: statements,
        });
        // The first parent's part of the batch is the page it gets on its own.
        expect((all.data as { _entities: unknown[] })._entities[0]).toEqual(
          (one.data as { _entities: unknown[] })._entities[0],
        );
      }
      const branches = await asSecretary(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on PartyBranch { kind
          members(first: 2) { totalCount edges { node { id } } pageInfo { hasNextPage } } } } }`,
        reps('PartyBranch', [branchId, otherBranch]),
      );
      expect(branches.data).toEqual({
        _entities: [
          {
            kind: 'COMMUNITY',
            members: {
              totalCount: 5,
              edges: [expect.anything(), expect.anything()],
              pageInfo: { hasNextPage: true },
            },
          },
          {
            kind: 'COURTYARD',
            members: {
              totalCount: 1,
              edges: [expect.anything()],
              pageInfo: { hasNextPage: false },
            },
          },
        ],
      });
    });
  });

  it('when the demo data is loaded, then the ten themed spaces exist with a season of activities, once', async () => {
    const fresh = await startTestService('shared-spaces');
    try {
      expect(await seedSharedSpacesDemo(fresh.service.db.dataSource, silentLogger())).toBe(110);
      const res = await callSubgraph(
        fresh.service,
        { userId: null, roles: [], gridIds: [] },
        `{ sharedSpaces { theme } upcomingActivities { edges { node { id } } } }`,
      );
      const data = res.data as {
        sharedSpaces: { theme: string }[];
        upcomingActivities: { edges: unknown[] };
      };
      expect(new Set(data.sharedSpaces.map((s) => s.theme)).size).toBe(10);
      expect(data.upcomingActivities.edges.length).toBeGreaterThan(0);
      expect(await seedSharedSpacesDemo(fresh.service.db.dataSource, silentLogger())).toBe(0);
    } finally {
      await fresh.stop();
    }
  });
});
