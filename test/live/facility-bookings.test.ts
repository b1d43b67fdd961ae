import type { FormattedExecutionResult } from 'graphql';
import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { TOPIC_PREFIX, testBrokers } from '../support/kafka';
import { startSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import {
  endAll,
  gatewayMetric,
  type SseStream,
  sseSubscribe,
  wsSubscribe,
  type WsSubscription,
} from './live-client';

const HOUR = 3_600_000;
/** A whole hour `daysAhead` days from today, at `hour` o'clock Beijing time. */
function slot(daysAhead: number, hour: number): { startsAt: string; endsAt: string } {
  const day =
    Math.floor((Date.now() + 8 * HOUR) / (24 * HOUR)) * 24 * HOUR -
    8 * HOUR +
    daysAhead * 24 * HOUR;
  return {
    startsAt: new Date(day + hour * HOUR).toISOString(),
    endsAt: new Date(day + (hour + 1) * HOUR).toISOString(),
  };
}
/** Yesterday's date in Beijing, a day a resident may have moved out on. */
const yesterday = () => new Date(Date.now() + 8 * HOUR - 24 * HOUR).toISOString().slice(0, 10);

const BOOKINGS = `subscription($residentId: ID!) {
  residentBookingsChanged(residentId: $residentId) {
    position event occurredAt
    booking { id status reason startsAt bookerType resident { id } facility { id name } }
  }
}`;
const STATUS = `subscription($facilityId: ID!) {
  facilityStatusChanged(facilityId: $facilityId) { position event facility { id name status } }
}`;
const EQUIPMENT = `subscription($facilityId: ID!) {
  facilityEquipmentChanged(facilityId: $facilityId) {
    position event facility { id status equipment { id name status } }
  }
}`;
const ADD_FACILITY = `mutation($input: AddFacilityInput!) { addFacility(input: $input) { id } }`;
const BOOK = `mutation($input: BookFacilityInput!) { bookFacility(input: $input) { id } }`;
const MOVE_OUT = `mutation($input: MoveOutResidentInput!) { moveOutResident(input: $input) { status } }`;
const SET_STATUS = `mutation($input: SetFacilityStatusInput!) { setFacilityStatus(input: $input) { status } }`;

interface BookingChange {
  position: string;
  event: string;
  occurredAt: string;
  booking: {
    id: string;
    status: string;
    reason: string | null;
    startsAt: string;
    bookerType: string;
    resident: { id: string } | null;
    facility: { id: string; name: string };
  };
}
interface FacilityChange {
  position: string;
  event: string;
  facility: {
    id: string;
    name?: string;
    status: string;
    equipment?: { id: string; name: string; status: string }[];
  };
}
const bookingChange = (r: FormattedExecutionResult) =>
  (r.data as { residentBookingsChanged: BookingChange }).residentBookingsChanged;
const nextFrames = (s: SseStream) => s.frames.filter((f) => f.event === 'next');
const sseResults = (s: SseStream) =>
  nextFrames(s).map((f) => JSON.parse(f.data) as FormattedExecutionResult);
/** The topic, partition and offset of a position (`topic:partition:offset@frontier`). */
const where = (position: string) => {
  const m = /^([^:]+):(\d+):(\d+)@[\d.]+$/.exec(position);
  if (!m) throw new Error(`not a position: ${position}`);
  return { topic: m[1], partition: Number(m[2]), offset: BigInt(m[3]!) };
};

/**
 * Live updates of the facilities subgraph through the gateway: a resident's bookings (confirmed,
 * cancelled, also by the move-out saga) and a facility's status and equipment, over WebSocket and
 * SSE, authorised at subscribe time by the subgraph's own queries.
 */
describe('live updates: bookings and facilities', () => {
  let sys: TestSystem;
  let staff: string;
  let manager: string;
  const open: (WsSubscription | SseStream)[] = [];

  const subscriptions = () => gatewayMetric(sys.gw.gateway.port, 'live_subscriptions');
  const opened = (n: number) =>
    waitFor(`${n} subscriptions open`, async () =>
      (await subscriptions()) === n ? true : undefined,
    );
  const ws = (token: string | undefined, query: string, variables: Record<string, unknown>) => {
    const s = wsSubscribe(sys.gw.url, token, query, variables);
    open.push(s);
    return s;
  };
  const sse = async (
    token: string,
    query: string,
    variables: Record<string, unknown>,
    lastEventId?: string,
  ) => {
    const s = await sseSubscribe(sys.gw.url, token, query, variables, lastEventId);
    open.push(s);
    return s;
  };
  const addFacility = async (name: string) =>
    dataOf<{ id: string }>(
      await sys.gw.query(
        ADD_FACILITY,
        {
          input: {
            name,
            kind: 'ACTIVITY_ROOM',
            capacity: 12,
            opensAt: '08:00',
            closesAt: '21:00',
            location: 'Floor 2',
          },
        },
        manager,
      ),
      'addFacility',
    ).id;
  /** A resident registered in a fresh household, and a token of their own. */
  const newResident = async (name: string) => {
    const call = (q: string, v?: Record<string, unknown>) => sys.gw.query(q, v, staff);
    const { householdId } = await seedHousehold(call);
    const id = dataOf<{ id: string }>(
      await call(REGISTER_RESIDENT, { input: residentInput(householdId, { name }) }),
      'registerResident',
    ).id;
    return {
      id,
      token: await sys.gw.token(['resident'], { sub: `resident-${id}`, residentId: id }),
    };
  };
  const book = (token: string, facilityId: string, period: { startsAt: string; endsAt: string }) =>
    sys.gw.query<{ bookFacility: { id: string } }>(
      BOOK,
      { input: { facilityId, ...period, attendees: 3, purpose: 'Paper cutting' } },
      token,
    );

  beforeAll(async () => {
    sys = await startSystem({
      gatewayEnv: { KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: TOPIC_PREFIX },
    });
    staff = await sys.gw.token(['staff']);
    manager = await sys.gw.token(['facility_manager'], { sub: 'fm-live' });
  }, 120_000);
  afterEach(() => endAll(open, sys.gw.gateway.port));
  afterAll(async () => {
    await sys?.stop();
  });

  it('when a resident with a confirmed booking moves out, then the saga cancels it and the resident and a facility manager who resumes hear the confirmation and then the cancellation', async () => {
    const room = await addFacility('Paper-cutting Room');
    const wen = await newResident('Live Booker');
    const mine = ws(wen.token, BOOKINGS, { residentId: wen.id });
    const fm = await sse(manager, BOOKINGS, { residentId: wen.id });
    expect(fm.status).toBe(200);
    await opened(2);

    const period = slot(3, 10);
    const booked = dataOf<{ id: string }>(await book(wen.token, room, period), 'bookFacility').id;
    await waitFor('both hear the confirmation', () =>
      mine.results.length && nextFrames(fm).length ? true : undefined,
    );
    const confirmed = bookingChange(mine.results[0]!);
    expect(confirmed).toMatchObject({
      event: 'BookingConfirmed',
      booking: {
        id: booked,
        status: 'CONFIRMED',
        reason: null,
        startsAt: period.startsAt,
        bookerType: 'RESIDENT',
        resident: { id: wen.id },
        facility: { id: room, name: 'Paper-cutting Room' },
      },
    });
    expect(where(confirmed.position).topic).toBe('facilities.booking.v1');
    expect(Date.parse(confirmed.occurredAt)).not.toBeNaN();
    // The manager reads the same booking the same way, at the same position (the SSE id).
    const [seen] = nextFrames(fm);
    expect(seen!.id).toBe(confirmed.position);
    expect(bookingChange(JSON.parse(seen!.data))).toEqual(confirmed);

    // The manager's screen goes away; the resident moves out meanwhile.
    fm.close();
    await opened(1);
    await sys.gw.data(MOVE_OUT, { input: { residentId: wen.id, movedOutOn: yesterday() } }, staff);
    await waitFor('the resident hears the cancellation', () =>
      mine.results.length === 2 ? true : undefined,
    );
    const cancelled = bookingChange(mine.results[1]!);
    expect(cancelled).toMatchObject({
      event: 'BookingCancelled',
      booking: { id: booked, status: 'CANCELLED', reason: 'resident_moved_out' },
    });
    // One booking's events share a partition, in the order they happened.
    expect(where(cancelled.position).partition).toBe(where(confirmed.position).partition);
    expect(where(cancelled.position).offset).toBeGreaterThan(where(confirmed.position).offset);

    // Resumed from the last position it saw, the manager gets exactly the cancellation.
    const resumed = await sse(manager, BOOKINGS, { residentId: wen.id }, seen!.id);
    await waitFor('the missed cancellation', () => (nextFrames(resumed).length ? true : undefined));
    expect(nextFrames(resumed).map((f) => f.id)).toEqual([cancelled.position]);
    expect(bookingChange(sseResults(resumed)[0]!)).toEqual(cancelled);
    expect(mine.results).toHaveLength(2);
  });

  it('when a resident asks for a slot already taken, then the refusal is an error to them and pushes nothing; their next booking is the first thing they hear, and another resident hears nothing of the first', async () => {
    const room = await addFacility('Calligraphy Room');
    const [first, second] = [await newResident('First Booker'), await newResident('Late Booker')];
    const hearsFirst = ws(first.token, BOOKINGS, { residentId: first.id });
    const hearsSecond = ws(second.token, BOOKINGS, { residentId: second.id });
    await opened(2);

    const period = slot(4, 14);
    const taken = dataOf<{ id: string }>(await book(first.token, room, period), 'bookFacility').id;
    const refused = await book(second.token, room, period);
    expect(refused.errors?.[0]?.extensions).toEqual({
      code: 'CONFLICT',
      field: 'input.startsAt',
      serviceName: 'facilities',
    });
    const later = dataOf<{ id: string }>(
      await book(second.token, room, slot(4, 16)),
      'bookFacility',
    ).id;

    await waitFor('each hears their own', () =>
      hearsFirst.results.length && hearsSecond.results.length ? true : undefined,
    );
    expect(
      hearsSecond.results.map((r) => [bookingChange(r).event, bookingChange(r).booking.id]),
    ).toEqual([['BookingConfirmed', later]]);
    expect(hearsFirst.results.map((r) => bookingChange(r).booking.id)).toEqual([taken]);
  });

  it("when a caller may not read a resident's bookings, then subscribing is refused: FORBIDDEN for another resident or a grid member (WebSocket and SSE), UNAUTHENTICATED without a token", async () => {
    const [wen, li] = [await newResident('Guarded'), await newResident('Curious')];
    const member = await sys.gw.token(['grid_member'], { sub: 'member-live' });
    const other = ws(li.token, BOOKINGS, { residentId: wen.id });
    const gridMember = await sse(member, BOOKINGS, { residentId: wen.id });
    const anonymous = ws(undefined, BOOKINGS, { residentId: wen.id });
    const badId = ws(staff, BOOKINGS, { residentId: 'not-an-id' });
    await waitFor('all refused', () =>
      other.errors.length && anonymous.closed && badId.errors.length ? true : undefined,
    );
    const codes = (errors: unknown[]) =>
      (errors as { extensions?: { code?: string; field?: string } }[][])
        .flat()
        .map((e) => e.extensions);
    expect(codes(other.errors)).toEqual([{ code: 'FORBIDDEN', serviceName: 'facilities' }]);
    expect(gridMember.status).toBe(403);
    expect(
      (JSON.parse(gridMember.frames[0]!.data) as { errors: { extensions: unknown }[] }).errors.map(
        (e) => e.extensions,
      ),
    ).toEqual([{ code: 'FORBIDDEN', serviceName: 'facilities' }]);
    expect(anonymous.closed!.code).toBe(4401);
    expect(codes(badId.errors)).toEqual([
      { code: 'BAD_USER_INPUT', field: 'residentId', serviceName: 'facilities' },
    ]);
    const res = await fetch(`${sys.gw.url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: BOOKINGS, variables: { residentId: wen.id } }),
    });
    expect(res.status).toBe(401);
    expect(
      ((await res.json()) as { errors: { extensions: unknown }[] }).errors.map((e) => e.extensions),
    ).toEqual([{ code: 'UNAUTHENTICATED' }]);
  });

  it("when a manager puts a facility under maintenance and opens it again, then a signed-in subscriber hears both status changes over SSE, and nothing of another facility's", async () => {
    const [room, elsewhere] = [await addFacility('Dance Room'), await addFacility('Library')];
    const wen = await newResident('Dancer');
    const stream = await sse(wen.token, STATUS, { facilityId: room });
    expect(stream.status).toBe(200);
    await opened(1);

    // Each frame shows the facility as it is when the change is pushed: one change at a time.
    await sys.gw.data(SET_STATUS, { input: { id: elsewhere, status: 'CLOSED' } }, manager);
    await sys.gw.data(SET_STATUS, { input: { id: room, status: 'MAINTENANCE' } }, manager);
    await waitFor('under maintenance', () => (nextFrames(stream).length ? true : undefined));
    await sys.gw.data(SET_STATUS, { input: { id: room, status: 'OPEN' } }, manager);
    await waitFor('open again', () => (nextFrames(stream).length >= 2 ? true : undefined));

    const changes = sseResults(stream).map(
      (r) => (r.data as { facilityStatusChanged: FacilityChange }).facilityStatusChanged,
    );
    expect(changes.map((c) => [c.event, c.facility])).toEqual([
      ['FacilityStatusChanged', { id: room, name: 'Dance Room', status: 'MAINTENANCE' }],
      ['FacilityStatusChanged', { id: room, name: 'Dance Room', status: 'OPEN' }],
    ]);
    expect(nextFrames(stream).map((f) => f.id)).toEqual(changes.map((c) => c.position));
    const [a, b] = changes.map((c) => where(c.position));
    expect(a!.topic).toBe('facilities.facility.v1');
    expect(b!.partition).toBe(a!.partition);
    expect(b!.offset).toBeGreaterThan(a!.offset);
  });

  it("when a device at a facility is reported faulty and repaired, then a WebSocket subscriber to the facility's equipment hears it go out of service and come back; without a token it is refused", async () => {
    const room = await addFacility('Fitness Corner');
    const device = dataOf<{ id: string }>(
      await sys.gw.query(
        `mutation($input: AddEquipmentInput!) { addEquipment(input: $input) { id } }`,
        { input: { facilityId: room, name: 'Twist Stepper 3' } },
        manager,
      ),
      'addEquipment',
    ).id;
    const wen = await newResident('Walker');
    const s = ws(wen.token, EQUIPMENT, { facilityId: room });
    const anonymous = ws(undefined, EQUIPMENT, { facilityId: room });
    await opened(1);
    await waitFor('the anonymous one closed', () => (anonymous.closed ? true : undefined));
    expect(anonymous.closed!.code).toBe(4401);

    const order = dataOf<{ id: string }>(
      await sys.gw.query(
        `mutation($input: ReportEquipmentFaultInput!) { reportEquipmentFault(input: $input) { id } }`,
        { input: { equipmentId: device, description: 'The left pedal sticks' } },
        wen.token,
      ),
      'reportEquipmentFault',
    ).id;
    await waitFor('the fault', () => (s.results.length ? true : undefined));
    await sys.gw.data(
      `mutation($input: CompleteRepairInput!) { completeRepair(input: $input) { id } }`,
      { input: { id: order, resolution: 'Bearing replaced' } },
      manager,
    );
    await waitFor('the repair', () => (s.results.length === 2 ? true : undefined));
    const changes = s.results.map(
      (r) => (r.data as { facilityEquipmentChanged: FacilityChange }).facilityEquipmentChanged,
    );
    expect(changes.map((c) => [c.event, c.facility])).toEqual([
      [
        'EquipmentFaultReported',
        {
          id: room,
          status: 'OPEN',
          equipment: [{ id: device, name: 'Twist Stepper 3', status: 'OUT_OF_SERVICE' }],
        },
      ],
      [
        'EquipmentRestored',
        {
          id: room,
          status: 'OPEN',
          equipment: [{ id: device, name: 'Twist Stepper 3', status: 'IN_SERVICE' }],
        },
      ],
    ]);
    expect(changes.map((c) => where(c.position).topic)).toEqual([
      'facilities.equipment.v1',
      'facilities.equipment.v1',
    ]);
  });
});
