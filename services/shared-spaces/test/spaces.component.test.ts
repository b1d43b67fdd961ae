import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { RunningService } from '@liyuan/kit';
import {
  BookingConfirmed,
  FACILITIES_TOPICS,
  RESIDENTS_TOPICS,
  ResidentMovedOut,
  VOLUNTEERS_TOPICS,
  VolunteerServiceApproved,
} from '@liyuan/schemas';
import { seedSharedSpacesDemo } from '../src/data/demo-seed';
import { envelopeFor, publishEnvelope, testKafka } from '../../../test/support/kafka';
import {
  callSubgraph,
  caller,
  silentLogger,
  startTestService,
  type GqlResult,
} from '../../../test/support/stack';
import { waitFor } from '../../../test/support/wait';

const DAY = 86_400_000;

/** Branches, members, activities, registrations and points on real PostgreSQL and Kafka. */
describe('shared spaces', () => {
  let service: RunningService;
  let stop: () => Promise<void>;
  let producer: Producer;
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
  });
  afterAll(async () => {
    await producer.disconnect();
    await stop();
  });

  const newActivity = async (capacity: number) => {
    const space = ok<{ id: string }>(
      await asSecretary(
        `mutation($f: ID!) { createSharedSpace(name: "Silver Age Home", theme: ELDERLY_CARE, facilityId: $f) { id } }`,
        {
          f: randomUUID(),
        },
      ),
      'createSharedSpace',
    );
    const startsAt = new Date(Date.now() + 3 * DAY).toISOString();
    const endsAt = new Date(Date.now() + 3 * DAY + 2 * 3_600_000).toISOString();
    const activity = ok<{ id: string; status: string }>(
      await asSecretary(
        `mutation($s: ID!, $a: DateTime!, $b: DateTime!, $c: Int!) { scheduleActivity(spaceId: $s, title: "Elderly lunch", startsAt: $a, endsAt: $b, capacity: $c) { id status } }`,
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
          `mutation($id: ID!) { registerForActivity(activityId: $id) { registeredCount } }`,
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

  it('when an activity with party members attending is completed, then ActivityCompleted lists attendees and staff and each member earns points once', async () => {
    const branch = ok<{ id: string }>(
      await asSecretary(
        `mutation { createPartyBranch(name: "Courtyard 3 Branch", courtyard: true) { id } }`,
      ),
      'createPartyBranch',
    );
    const memberResident = randomUUID();
    const register = `mutation($r: ID!, $b: ID!) { registerPartyMember(residentId: $r, branchId: $b, joinedOn: "1998-07-01") { id } }`;
    const member = ok<{ id: string }>(
      await asSecretary(register, { r: memberResident, b: branch.id }),
      'registerPartyMember',
    );
    expect(
      (await asSecretary(register, { r: memberResident, b: branch.id })).errors?.[0]?.extensions,
    ).toEqual({ code: 'CONFLICT', field: 'residentId' });
    const id = await newActivity(10);
    await confirm(id);
    const other = randomUUID();
    for (const r of [memberResident, other]) {
      await callSubgraph(
        service,
        caller(['resident'], { residentId: r }),
        `mutation($id: ID!) { registerForActivity(activityId: $id) { id } }`,
        { id },
      );
      await asSecretary(
        `mutation($id: ID!, $r: ID!) { checkInAttendee(activityId: $id, residentId: $r) { id } }`,
        { id, r },
      );
    }
    const staffer = randomUUID();
    expect(
      (
        await asSecretary(
          `mutation($id: ID!, $s: [ID!]) { completeActivity(activityId: $id, staffResidentIds: $s) { status } }`,
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
        await asSecretary(`mutation($id: ID!) { completeActivity(activityId: $id) { status } }`, {
          id,
        })
      ).errors?.[0]?.extensions?.code,
    ).toBe('CONFLICT');

    const view = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Resident {
      partyMembership { points pointsHistory { delta reason } } activitiesAttended { id } } } }`;
    const mine = await callSubgraph(
      service,
      caller(['resident'], { residentId: memberResident }),
      view,
      { r: [{ __typename: 'Resident', id: memberResident }] },
    );
    expect(mine.data).toEqual({
      _entities: [
        {
          partyMembership: { points: 2, pointsHistory: [{ delta: 2, reason: 'ATTENDANCE' }] },
          activitiesAttended: [{ id }],
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
        `mutation { createPartyBranch(name: "Courtyard 4 Branch", courtyard: true) { id } }`,
      ),
      'createPartyBranch',
    );
    const residentId = randomUUID();
    await asSecretary(
      `mutation($r: ID!, $b: ID!) { registerPartyMember(residentId: $r, branchId: $b, joinedOn: "2001-07-01") { id } }`,
      { r: residentId, b: branch.id },
    );
    const id = await newActivity(10);
    await callSubgraph(
      service,
      caller(['resident'], { residentId }),
      `mutation($id: ID!) { registerForActivity(activityId: $id) { id } }`,
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
  });

  it('when the demo data is loaded, then the ten themed spaces exist with a season of activities, once', async () => {
    const fresh = await startTestService('shared-spaces');
    try {
      expect(await seedSharedSpacesDemo(fresh.service.db.dataSource, silentLogger())).toBe(110);
      const res = await callSubgraph(
        fresh.service,
        { userId: null, roles: [], gridIds: [] },
        `{ sharedSpaces { theme } upcomingActivities { id } }`,
      );
      const data = res.data as { sharedSpaces: { theme: string }[]; upcomingActivities: unknown[] };
      expect(new Set(data.sharedSpaces.map((s) => s.theme)).size).toBe(10);
      expect(data.upcomingActivities.length).toBeGreaterThan(0);
      expect(await seedSharedSpacesDemo(fresh.service.db.dataSource, silentLogger())).toBe(0);
    } finally {
      await fresh.stop();
    }
  });
});
