import { randomUUID } from 'node:crypto';
import { TOPIC_PREFIX, testBrokers } from '../support/kafka';
import { untilKnown } from '../support/references';
import { dataOf } from '../support/registry-fixtures';
import { startSystem, type TestSystem } from '../support/system';
import { inDaysAt } from '../support/time';
import { waitFor } from '../support/wait';
import {
  endAll,
  gatewayMetric,
  type SseStream,
  sseSubscribe,
  wsSubscribe,
  type WsSubscription,
} from './live-client';

const SUBSCRIPTION = `subscription($activityId: ID!) {
  activityChanged(activityId: $activityId) {
    position event occurredAt activity { id title status registeredCount capacity space { name } }
  }
}`;
const REGISTER = `mutation($id: ID!) { registerForActivity(input: { activityId: $id }) { id } }`;
const WITHDRAW = `mutation($id: ID!) { cancelRegistration(input: { activityId: $id }) { id } }`;
const CANCEL = `mutation($id: ID!) { cancelActivity(input: { activityId: $id }) { id status } }`;

interface Change {
  position: string;
  event: string;
  occurredAt: string;
  activity: {
    id: string;
    title: string;
    status: string;
    registeredCount: number;
    capacity: number;
    space: { name: string };
  };
}
const changeOf = (r: { data?: unknown }) => (r.data as { activityChanged: Change }).activityChanged;
/** The partition and offset a position names (`topic:partition:offset@frontier`). */
const offsetOf = (position: string) => {
  const [, partition, offset] = /:(\d+):(\d+)@/.exec(position)!;
  return { partition: Number(partition), offset: BigInt(offset!) };
};

/**
 * Live updates of a shared-space activity through the gateway: registrations, withdrawals,
 * cancellation and completion, over WebSocket and SSE, each change pushed once with its position.
 */
describe('live updates: an activity', () => {
  let sys: TestSystem;
  let secretary: string;
  let spaceId: string;
  let hour = 8;
  const open: (WsSubscription | SseStream)[] = [];

  const subscriptions = () => gatewayMetric(sys.gw.gateway.port, 'live_subscriptions');
  const residentToken = (residentId = randomUUID()) =>
    sys.gw.token(['resident'], { sub: `resident-${residentId}`, residentId });
  /** A new activity in the test's space, two days ahead, each in an hour of its own; confirmed unless told. */
  const schedule = async (title: string, confirmed = true) => {
    hour += 1;
    const id = dataOf<{ id: string }>(
      await sys.gw.query(
        `mutation($i: ScheduleActivityInput!) { scheduleActivity(input: $i) { id } }`,
        {
          i: {
            spaceId,
            title,
            startsAt: inDaysAt(2, hour),
            endsAt: inDaysAt(2, hour + 1),
            capacity: 10,
          },
        },
        secretary,
      ),
      'scheduleActivity',
    ).id;
    if (confirmed)
      await waitFor(`${title} confirmed`, async () => {
        const { activity } = await sys.gw.data<{ activity: { status: string } }>(
          `query($id: ID!) { activity(id: $id) { status } }`,
          { id },
        );
        return activity.status === 'CONFIRMED' ? true : undefined;
      });
    return id;
  };
  const ws = (token: string | undefined, activityId: string) => {
    const s = wsSubscribe(sys.gw.url, token, SUBSCRIPTION, { activityId });
    open.push(s);
    return s;
  };
  /** The events shared-spaces committed for an activity, in order. */
  const outbox = async (activityId: string) =>
    (
      (await sys.services['shared-spaces'].service.db.dataSource.query(
        `SELECT type FROM outbox_events WHERE aggregate_id = $1 ORDER BY seq`,
        [activityId],
      )) as { type: string }[]
    ).map((r) => r.type);

  beforeAll(async () => {
    sys = await startSystem({
      gatewayEnv: { KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: TOPIC_PREFIX },
    });
    const manager = await sys.gw.token(['facility_manager']);
    secretary = await sys.gw.token(['party_secretary'], { sub: 'secretary-live' });
    const facilityId = dataOf<{ id: string }>(
      await sys.gw.query(
        `mutation { addFacility(input: { name: "Activity Room 2", kind: ACTIVITY_ROOM, capacity: 50, opensAt: "08:00", closesAt: "21:00", location: "Room 206" }) { id } }`,
        {},
        manager,
      ),
      'addFacility',
    ).id;
    await untilKnown([sys.services['shared-spaces'].service], 'facilities', [facilityId]);
    spaceId = dataOf<{ id: string }>(
      await sys.gw.query(
        `mutation($f: ID!) { createSharedSpace(input: { name: "Reading Corner", theme: READING, facilityId: $f }) { id } }`,
        { f: facilityId },
        secretary,
      ),
      'createSharedSpace',
    ).id;
  }, 120_000);
  afterEach(() => endAll(open, sys.gw.gateway.port));
  afterAll(async () => {
    await sys?.stop();
  });

  it('when residents register, withdraw and the activity is cancelled, then each subscriber gets each change once, in order, with the activity as it stands, and another activity hears nothing of it', async () => {
    const [watched, other] = [await schedule('Calligraphy hour'), await schedule('Chess club')];
    const [a, b] = [await residentToken(), await residentToken()];
    const viewer = ws(await residentToken(), watched);
    const staffView = ws(await sys.gw.token(['staff']), watched);
    const elsewhere = ws(a, other);
    await waitFor('three subscriptions open', async () =>
      (await subscriptions()) === 3 ? true : undefined,
    );

    const steps: [string, Record<string, unknown>, string | undefined][] = [
      [REGISTER, { id: watched }, a],
      [REGISTER, { id: watched }, b],
      [WITHDRAW, { id: watched }, a],
      [CANCEL, { id: watched }, secretary],
    ];
    for (const [i, [mutation, variables, token]] of steps.entries()) {
      await sys.gw.data(mutation, variables, token);
      // Each change is read before the next is made, so each frame shows the activity just after it.
      await waitFor(`change ${i + 1} pushed`, () =>
        viewer.results.length === i + 1 && staffView.results.length === i + 1 ? true : undefined,
      );
    }
    const frames = viewer.results.map(changeOf);
    expect(viewer.results.every((r) => r.errors === undefined)).toBe(true);
    expect(frames.map((f) => [f.event, f.activity.status, f.activity.registeredCount])).toEqual([
      ['ActivityRegistrationChanged', 'CONFIRMED', 1],
      ['ActivityRegistrationChanged', 'CONFIRMED', 2],
      ['ActivityRegistrationChanged', 'CONFIRMED', 1],
      ['ActivityCancelled', 'CANCELLED', 1],
    ]);
    expect(frames[0]!.activity).toEqual({
      id: watched,
      title: 'Calligraphy hour',
      status: 'CONFIRMED',
      registeredCount: 1,
      capacity: 10,
      space: { name: 'Reading Corner' },
    });
    expect(staffView.results.map(changeOf)).toEqual(frames);
    // Positions name the activity topic; one activity's events keep their order on one partition.
    const offsets = frames.map((f) => offsetOf(f.position));
    expect(frames.every((f) => f.position.includes('shared-spaces.activity.v1:'))).toBe(true);
    expect(new Set(offsets.map((o) => o.partition)).size).toBe(1);
    expect(offsets.every((o, i) => i === 0 || o.offset > offsets[i - 1]!.offset)).toBe(true);
    expect(frames.every((f) => !Number.isNaN(Date.parse(f.occurredAt)))).toBe(true);

    // Each mutation published exactly one event; the cancellation released the venue.
    expect(await outbox(watched)).toEqual([
      'SpaceActivityScheduled',
      'ActivityRegistrationChanged',
      'ActivityRegistrationChanged',
      'ActivityRegistrationChanged',
      'ActivityCancelled',
    ]);
    await sys.published('facilities', 'BookingCancelled', {
      activityId: watched,
      reason: 'by_booker',
    });

    // The other activity's subscriber hears only its own activity.
    await sys.gw.data(REGISTER, { id: other }, b);
    await waitFor('the other activity changes', () =>
      elsewhere.results.length ? true : undefined,
    );
    expect(elsewhere.results.map((r) => changeOf(r).activity.id)).toEqual([other]);
    expect(viewer.results).toHaveLength(4);
  });

  it('when an activity is completed, then an SSE subscriber gets the registration and the completion with their positions, and resuming from the first gets exactly the second', async () => {
    const id = await schedule('Elderly lunch');
    const residentId = randomUUID();
    const resident = await residentToken(residentId);
    const watcher = await residentToken();
    const sse = await sseSubscribe(sys.gw.url, watcher, SUBSCRIPTION, { activityId: id });
    open.push(sse);
    expect(sse.status).toBe(200);
    await waitFor('subscribed', async () => ((await subscriptions()) === 1 ? true : undefined));

    await sys.gw.data(REGISTER, { id }, resident);
    await sys.gw.data(
      `mutation($id: ID!, $r: ID!) { checkInAttendee(input: { activityId: $id, residentId: $r }) { id } }`,
      { id, r: residentId },
      secretary,
    );
    await sys.gw.data(
      `mutation($id: ID!) { completeActivity(input: { activityId: $id }) { id } }`,
      { id },
      secretary,
    );
    const next = (s: SseStream) => s.frames.filter((f) => f.event === 'next');
    await waitFor('both changes', () => (next(sse).length === 2 ? true : undefined));
    const [registered, completed] = next(sse).map((f) => ({
      id: f.id!,
      change: changeOf(JSON.parse(f.data)),
    }));
    expect(registered!.change).toMatchObject({
      event: 'ActivityRegistrationChanged',
      activity: { id, registeredCount: 1 },
    });
    expect(completed!.change).toMatchObject({
      event: 'ActivityCompleted',
      activity: { id, status: 'COMPLETED', registeredCount: 1 },
    });
    // The SSE event id is the change's position.
    expect(registered!.id).toBe(registered!.change.position);
    expect(completed!.id).toBe(completed!.change.position);
    // Checking in changes no count: nothing published for it.
    expect(await outbox(id)).toEqual([
      'SpaceActivityScheduled',
      'ActivityRegistrationChanged',
      'ActivityCompleted',
    ]);
    sse.close();
    await waitFor('disconnected', async () => ((await subscriptions()) === 0 ? true : undefined));

    const resumed = await sseSubscribe(
      sys.gw.url,
      watcher,
      SUBSCRIPTION,
      { activityId: id },
      registered!.id,
    );
    open.push(resumed);
    await waitFor('the change after the position', () => (next(resumed).length ? true : undefined));
    expect(next(resumed).map((f) => f.id)).toEqual([completed!.id]);
  });

  it('when a caller is not signed in or names no activity, then subscribing is refused: the connection closed or UNAUTHENTICATED for no token, BAD_USER_INPUT for a malformed id', async () => {
    const id = await schedule('Paper cutting', false);
    const anonymous = ws(undefined, id);
    const malformed = ws(await residentToken(), 'not-an-id');
    await waitFor('both refused', () =>
      anonymous.closed && malformed.errors.length ? true : undefined,
    );
    expect(anonymous.closed!.code).toBe(4401);
    expect(JSON.stringify(malformed.errors)).toContain('BAD_USER_INPUT');

    const res = await fetch(sys.gw.url.replace(/\/graphql$/, '/graphql/stream'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUBSCRIPTION, variables: { activityId: id } }),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect(await subscriptions()).toBe(0);
  });
});
