import http from 'node:http';
import type { FormattedExecutionResult } from 'graphql';
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

/** Frames the gateway keeps for a subscriber that has not taken them (small, for the test). */
const MAX_BUFFERED = 8;
/** More events than this without the slow client being dropped fails the test. */
const MAX_EVENTS = 2_000;
// About 175 events fill the kernel's buffers here (15 s alone); a machine busy with other suites
// can take minutes for them.

/**
 * A frame of a few tens of kB (a month of a facility's free time, twelve times over), so that a
 * client that stops reading fills the kernel's socket buffers (a few MB on loopback) with a few
 * hundred events and then the subscription's own buffer, which is what ends it.
 */
const AVAILABILITY = Array.from(
  { length: 12 },
  (_, i) => `a${i}: availability(from: $from, to: $to) { free { start end } }`,
).join('\n      ');
const STATUS = `subscription($facilityId: ID!, $from: DateTime!, $to: DateTime!) {
  facilityStatusChanged(facilityId: $facilityId) {
    position event occurredAt
    facility {
      id status
      ${AVAILABILITY}
    }
  }
}`;
const ADD_FACILITY = `mutation($input: AddFacilityInput!) { addFacility(input: $input) { id } }`;
const SET_STATUS = `mutation($input: SetFacilityStatusInput!) { setFacilityStatus(input: $input) { status } }`;
const STATUSES = ['CLOSED', 'MAINTENANCE', 'OPEN'] as const;

interface StatusChange {
  position: string;
  event: string;
  occurredAt: string;
  facility: { id: string; status: string };
}
const change = (r: FormattedExecutionResult) =>
  (r.data as { facilityStatusChanged: StatusChange }).facilityStatusChanged;
/** The partition and offset of a position (`topic:partition:offset@frontier`). */
const offsetOf = (position: string) => {
  const m = /^[^:]+:(\d+):(\d+)@[\d.]+$/.exec(position);
  if (!m) throw new Error(`not a position: ${position}`);
  return { partition: Number(m[1]), offset: BigInt(m[2]!) };
};
/** Each position after the one before it, on one partition (one facility's changes). */
const inOrder = (positions: string[]) =>
  positions.every((p, i) => {
    if (i === 0) return true;
    const a = offsetOf(positions[i - 1]!);
    const b = offsetOf(p);
    return a.partition === b.partition && b.offset > a.offset;
  });

/**
 * A slow client's buffer is bounded and it is disconnected rather than slowing the others: one
 * client stops reading its socket while another on the same feed keeps reading; once the kernel's
 * buffers and then the subscription's LIVE_MAX_BUFFERED frames are full, the slow one is ended
 * (WebSocket close 1013; an SSE stream dropped) and counted, and the other has every event, in
 * order, none missing.
 */
describe('live updates: a slow client', () => {
  let sys: TestSystem;
  let manager: string;
  const open: (WsSubscription | SseStream)[] = [];
  const period = () => {
    const from = new Date(Date.now() + 24 * 3_600_000);
    return { from: from.toISOString(), to: new Date(+from + 30 * 24 * 3_600_000).toISOString() };
  };

  /** Sums the samples of a metric whose labels include `labels`. */
  const metric = (name: string, labels: Record<string, string> = {}) =>
    gatewayMetric(sys.gw.gateway.port, name, labels);
  const opened = (n: number) =>
    waitFor(`${n} subscriptions open`, async () =>
      (await metric('live_subscriptions')) === n ? true : undefined,
    );
  const addFacility = async (name: string) =>
    (
      await sys.gw.data<{ addFacility: { id: string } }>(
        ADD_FACILITY,
        {
          input: {
            name,
            kind: 'ACTIVITY_ROOM',
            capacity: 12,
            opensAt: '08:00',
            closesAt: '21:00',
            location: 'Floor 3',
          },
        },
        manager,
      )
    ).addFacility.id;
  /**
   * Changes the facility's status until the gateway has dropped a slow client of `transport`,
   * then `after` times more: how many changes (events) there were.
   */
  const driveUntilDropped = async (facilityId: string, transport: string, after: number) => {
    let n = 0;
    const set = () =>
      sys.gw.data(
        SET_STATUS,
        { input: { id: facilityId, status: STATUSES[n++ % STATUSES.length] } },
        manager,
      );
    const dropped = async () =>
      (await metric('live_disconnects_total', { transport, reason: 'slow_consumer' })) > 0;
    while (!(await dropped())) {
      if (n >= MAX_EVENTS) throw new Error(`no slow client dropped after ${n} events`);
      for (let i = 0; i < 10; i++) await set();
    }
    for (let i = 0; i < after; i++) await set();
    return n;
  };

  beforeAll(async () => {
    sys = await startSystem({
      gatewayEnv: {
        KAFKA_BROKERS: testBrokers().join(','),
        KAFKA_TOPIC_PREFIX: TOPIC_PREFIX,
        LIVE_MAX_BUFFERED: String(MAX_BUFFERED),
      },
    });
    manager = await sys.gw.token(['facility_manager'], { sub: 'fm-slow' });
  }, 120_000);
  afterEach(() => endAll(open, sys.gw.gateway.port));
  afterAll(async () => {
    await sys?.stop();
  });

  it('when a WebSocket client stops reading, then it is closed with 1013 and counted while another client on the same feed receives every event in order', async () => {
    const room = await addFacility('Slow-reader Room');
    const variables = { facilityId: room, ...period() };
    const fastReader = await sys.gw.token(['resident'], { sub: 'fast-reader' });
    const slowReader = await sys.gw.token(['resident'], { sub: 'slow-reader' });
    const fast = wsSubscribe(sys.gw.url, fastReader, STATUS, variables);
    const slow = wsSubscribe(sys.gw.url, slowReader, STATUS, variables);
    open.push(fast, slow);
    await opened(2);
    const slowSocket = await waitFor('the slow client connected', () => slow.socket);
    slowSocket.pause();

    const events = await driveUntilDropped(room, 'ws', 5);
    // The slow one's subscription ended at the gateway (its buffer dropped); the fast one's did not.
    await opened(1);
    await waitFor(`the fast client has all ${events} events`, () =>
      fast.results.length >= events ? true : undefined,
    );
    const heard = fast.results.map(change);
    expect(fast.errors).toEqual([]);
    expect(fast.closed).toBeUndefined();
    expect(heard).toHaveLength(events);
    expect(heard.every((c) => c.event === 'FacilityStatusChanged' && c.facility.id === room)).toBe(
      true,
    );
    const positions = heard.map((c) => c.position);
    expect(new Set(positions).size).toBe(events);
    expect(inOrder(positions)).toBe(true);

    // Reading again, the slow client gets what the kernel held, then the close frame.
    slowSocket.resume();
    const closed = await waitFor('the slow client closed', () => slow.closed);
    expect(closed).toEqual({ code: 1013, reason: 'Try again later: client too slow' });
    const slowHeard = slow.results.map((r) => change(r).position);
    expect(slowHeard.length).toBeGreaterThan(0);
    expect(slowHeard.length).toBeLessThan(events);
    expect(slowHeard).toEqual(positions.slice(0, slowHeard.length));
    expect(
      await metric('live_disconnects_total', { transport: 'ws', reason: 'slow_consumer' }),
    ).toBe(1);
    await waitFor('the slow connection released', async () =>
      (await metric('live_connections', { transport: 'ws' })) === 1 ? true : undefined,
    );
  }, 420_000);

  it('when an SSE client stops reading, then its stream is dropped and counted while another stream on the same feed receives every event in order', async () => {
    const room = await addFacility('Slow-stream Room');
    const variables = { facilityId: room, ...period() };
    const fastReader = await sys.gw.token(['resident'], { sub: 'fast-stream' });
    const slowReader = await sys.gw.token(['resident'], { sub: 'slow-stream' });
    const fast = await sseSubscribe(sys.gw.url, fastReader, STATUS, variables);
    open.push(fast);
    expect(fast.status).toBe(200);

    // The slow one: a plain request whose socket is no longer read once the stream has begun.
    const slowBody: string[] = [];
    let slowEnded = false;
    const request = http.request(`${sys.gw.url}/stream`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${slowReader}`,
      },
    });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      request.on('response', resolve).on('error', reject);
      request.end(JSON.stringify({ query: STATUS, variables }));
    });
    expect(response.statusCode).toBe(200);
    response.setEncoding('utf8');
    response.on('data', (c: string) => slowBody.push(c));
    const finished = () => (slowEnded = true);
    response.on('end', finished).on('aborted', finished).on('error', finished);
    response.on('close', finished);
    await opened(2);
    response.socket.pause();

    const events = await driveUntilDropped(room, 'sse', 5);
    await opened(1);
    await waitFor('the slow stream released', async () =>
      (await metric('live_connections', { transport: 'sse' })) === 1 ? true : undefined,
    );
    const frames = () => fast.frames.filter((f) => f.event === 'next');
    await waitFor(`the fast stream has all ${events} events`, () =>
      frames().length >= events ? true : undefined,
    );
    const ids = frames().map((f) => f.id!);
    expect(ids).toHaveLength(events);
    expect(new Set(ids).size).toBe(events);
    expect(inOrder(ids)).toBe(true);
    expect(
      frames().map((f) => change(JSON.parse(f.data) as FormattedExecutionResult).position),
    ).toEqual(ids);
    expect(fast.ended).toBe(false);

    // Reading again, the slow client gets what the kernel held, then the end of the stream.
    response.socket.resume();
    await waitFor('the slow stream ended', () => (slowEnded ? true : undefined));
    const slowIds = [...slowBody.join('').matchAll(/^id: (\S+)$/gm)].map((m) => m[1]!);
    expect(slowIds.length).toBeGreaterThan(0);
    expect(slowIds.length).toBeLessThan(events);
    expect(slowIds).toEqual(ids.slice(0, slowIds.length));
    expect(
      await metric('live_disconnects_total', { transport: 'sse', reason: 'slow_consumer' }),
    ).toBe(1);
  }, 420_000);
});
