import { chromium } from 'playwright-core';
import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { TOPIC_PREFIX, testBrokers } from '../support/kafka';
import { startTestGateway } from '../support/stack';
import { ALL_SERVICES, startSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import {
  endAll,
  gatewayMetric,
  type SseStream,
  sseSubscribe,
  wsSubscribe,
  type WsSubscription,
} from './live-client';

const SELECTION = `serviceRequest {
  id
  status
  resident { name phone idCardNumber bookings(first: 1) { totalCount } }
}`;
const SUBSCRIPTION = `subscription($gridId: ID!) {
  gridServiceRequestChanged(gridId: $gridId) { position event ${SELECTION} }
}`;
const QUERY = `query($id: ID!) { ${SELECTION.replace('serviceRequest {', 'serviceRequest(id: $id) {')} }`;
const FILE = `mutation($input: FileServiceRequestInput!) { fileServiceRequest(input: $input) { id } }`;
const START = `mutation($input: StartServiceRequestInput!) { startServiceRequest(input: $input) { id status } }`;

interface Change {
  position: string;
  event: string;
  serviceRequest: { id: string; status: string; resident: Record<string, unknown> };
}
const changeOf = (r: { data?: unknown }) =>
  (r.data as { gridServiceRequestChanged: Change }).gridServiceRequestChanged;

/**
 * Live updates of a grid's service requests through the gateway: over WebSocket (graphql-ws) and
 * SSE, authorised at subscribe time, resolved through the federation under each subscriber's
 * identity, resumed from a position without loss or repeats.
 */
describe('live updates: service requests of a grid', () => {
  let sys: TestSystem;
  let staff: string;
  let memberA: string;
  let memberB: string;
  const grid = { a: '', b: '' };
  const resident = { a: '', b: '' };
  const idCard = { a: '', b: '' };
  const open: (WsSubscription | SseStream)[] = [];

  /** The sum of a live metric's series on the gateway's /metrics. */
  const metric = (name: string) => gatewayMetric(sys.gw.gateway.port, name);
  const subscriptions = () => metric('live_subscriptions');
  const file = async (residentId: string, description = 'The stair light is out') =>
    dataOf<{ id: string }>(
      await sys.gw.query(FILE, { input: { residentId, type: 'OTHER', description } }, staff),
      'fileServiceRequest',
    ).id;
  const ws = (token: string | undefined, gridId: string, extensions = {}) => {
    const s = wsSubscribe(sys.gw.url, token, SUBSCRIPTION, { gridId }, extensions);
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    sys = await startSystem({
      gatewayEnv: {
        KAFKA_BROKERS: testBrokers().join(','),
        KAFKA_TOPIC_PREFIX: TOPIC_PREFIX,
        LIVE_MAX_CONNECTIONS_PER_CALLER: '3',
      },
    });
    staff = await sys.gw.token(['staff']);
    const call = (q: string, v?: Record<string, unknown>) => sys.gw.query(q, v, staff);
    for (const k of ['a', 'b'] as const) {
      const { gridId, householdId } = await seedHousehold(call);
      grid[k] = gridId;
      const input = residentInput(householdId, { name: `Grid ${k}` });
      idCard[k] = input.idCardNumber as string;
      resident[k] = dataOf<{ id: string }>(
        await call(REGISTER_RESIDENT, { input }),
        'registerResident',
      ).id;
    }
    memberA = await sys.gw.token(['grid_member'], { sub: 'member-a', gridIds: [grid.a] });
    memberB = await sys.gw.token(['grid_member'], { sub: 'member-b', gridIds: [grid.b] });
  }, 120_000);
  afterEach(() => endAll(open, sys.gw.gateway.port));
  afterAll(async () => {
    await sys?.stop();
  });

  it('when a request is filed in a grid, then its members and staff get it with fields from two subgraphs, as a query would show it to each, and another grid hears nothing', async () => {
    const a = ws(memberA, grid.a);
    const b = ws(memberB, grid.b);
    const s = ws(staff, grid.a);
    await waitFor('three subscriptions open', async () =>
      (await subscriptions()) === 3 ? true : undefined,
    );

    const pushedBefore = await metric('live_events_pushed_total');
    const inA = await file(resident.a);
    await waitFor('grid a hears of it', () =>
      a.results.length && s.results.length ? true : undefined,
    );
    const inB = await file(resident.b);
    await waitFor('grid b hears of its own', () => (b.results.length ? true : undefined));

    const [forMember] = a.results.map(changeOf);
    const [forStaff] = s.results.map(changeOf);
    expect(forMember!.event).toBe('ServiceRequestFiled');
    expect(forMember!.serviceRequest.id).toBe(inA);
    // Exactly what each could read with a query: the ID-card number masked for the grid member
    // (the phone of their own grid's resident is not), bookings (from facilities) null for them
    // and counted for staff.
    const asQuery = async (token: string) =>
      (await sys.gw.data<{ serviceRequest: unknown }>(QUERY, { id: inA }, token)).serviceRequest;
    expect(forMember!.serviceRequest).toEqual(await asQuery(memberA));
    expect(forStaff!.serviceRequest).toEqual(await asQuery(staff));
    expect(forStaff!.serviceRequest.resident).toMatchObject({
      idCardNumber: idCard.a,
      bookings: { totalCount: 0 },
    });
    expect(forMember!.serviceRequest.resident).toMatchObject({
      phone: '13912345678',
      idCardNumber: expect.stringMatching(/^\d{4}\*{10}[\dX]{4}$/),
      bookings: null,
    });
    expect(b.results.map((r) => changeOf(r).serviceRequest.id)).toEqual([inB]);
    expect(a.results).toHaveLength(1);
    // One frame to each of the three subscribers (a, staff, b), counted as pushed.
    await waitFor('three frames counted', async () =>
      (await metric('live_events_pushed_total')) - pushedBefore === 3 ? true : undefined,
    );
    expect(await metric('live_connections')).toBe(3);
    const status = (await (
      await fetch(`http://127.0.0.1:${sys.gw.gateway.port}/status.json`)
    ).json()) as { live: Record<string, number> };
    expect(status.live).toMatchObject({ connections: 3, subscriptions: 3 });
    expect(status.live.pushed).toBeGreaterThanOrEqual(3);

    // Taken up at the hall: the status change follows.
    await sys.gw.data(START, { input: { id: inA } }, staff);
    await waitFor('the status change', () => (a.results.length === 2 ? true : undefined));
    expect(changeOf(a.results[1]!)).toMatchObject({
      event: 'ServiceRequestStatusChanged',
      serviceRequest: { id: inA, status: 'IN_PROGRESS' },
    });
  });

  it('when a caller may not read a grid, then subscribing is refused: FORBIDDEN for another grid, the connection closed for no token', async () => {
    const other = ws(memberB, grid.a);
    const anonymous = ws(undefined, grid.a);
    await waitFor('both refused', () =>
      other.errors.length && anonymous.closed ? true : undefined,
    );
    expect(JSON.stringify(other.errors)).toContain('FORBIDDEN');
    expect(anonymous.closed!.code).toBe(4401);
  });

  it('when a subscriber reconnects with the last position it saw, then it gets exactly the 100 changes made meanwhile, in order, and then live ones', async () => {
    let sse = await sseSubscribe(sys.gw.url, memberA, SUBSCRIPTION, { gridId: grid.a });
    open.push(sse);
    expect(sse.status).toBe(200);
    await waitFor('subscribed', async () => ((await subscriptions()) === 1 ? true : undefined));
    const first = await file(resident.a, 'Before the disconnect');
    const seen = await waitFor('the first change', () =>
      sse.frames.find((f) => f.event === 'next'),
    );
    expect(changeOf(JSON.parse(seen.data)).serviceRequest.id).toBe(first);
    sse.close();
    await waitFor('disconnected', async () => ((await subscriptions()) === 0 ? true : undefined));

    const filed: string[] = [];
    for (let i = 0; i < 100; i++) filed.push(await file(resident.a, `While away ${i}`));
    sse = await sseSubscribe(sys.gw.url, memberA, SUBSCRIPTION, { gridId: grid.a }, seen.id);
    open.push(sse);
    const next = () => sse.frames.filter((f) => f.event === 'next');
    await waitFor(
      'the 100 missed changes',
      () => (next().length >= 100 ? true : undefined),
      60_000,
    );
    const after = await file(resident.a, 'After the reconnect');
    await waitFor('the live one after them', () => (next().length >= 101 ? true : undefined));
    const ids = next().map((f) => changeOf(JSON.parse(f.data)).serviceRequest.id);
    expect(ids).toEqual([...filed, after]);
    expect(new Set(next().map((f) => f.id)).size).toBe(101);
  }, 120_000);

  it('when a caller opens more connections than allowed, then the extra one is closed', async () => {
    const allowed = [ws(memberA, grid.a), ws(memberA, grid.a), ws(memberA, grid.a)];
    await waitFor('three subscriptions open', async () =>
      (await subscriptions()) === 3 ? true : undefined,
    );
    const extra = ws(memberA, grid.a);
    await waitFor('the fourth closed', () => (extra.closed ? true : undefined));
    expect(extra.closed!.code).toBe(4429);
    expect(allowed.every((s) => s.closed === undefined)).toBe(true);
  });

  it('when a browser opens an EventSource to the gateway, then it receives the change as it happens', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    try {
      const page = await browser.newPage();
      const origin = new URL(sys.gw.url).origin;
      await page.goto(`${origin}/status`);
      const params = new URLSearchParams({
        query: SUBSCRIPTION,
        variables: JSON.stringify({ gridId: grid.a }),
        access_token: memberA,
      });
      await page.evaluate((url) => {
        const w = window as unknown as { received: string[]; source: EventSource };
        w.received = [];
        w.source = new EventSource(url);
        w.source.addEventListener('next', (e) => {
          const data = (e as MessageEvent<string>).data;
          w.received.push(data);
          const change = JSON.parse(data).data.gridServiceRequestChanged;
          const li = document.createElement('li');
          li.className = 'change';
          li.textContent = `${change.event}: ${change.serviceRequest.resident.name}`;
          document.body.append(li);
        });
      }, `/graphql/stream?${params}`);
      await waitFor('the browser subscribed', async () =>
        (await subscriptions()) === 1 ? true : undefined,
      );
      const filed = await file(resident.a, 'Seen in a browser');
      const data = await waitFor('the browser to receive it', async () =>
        page.evaluate(() => (window as unknown as { received: string[] }).received[0]),
      );
      expect(changeOf(JSON.parse(data)).serviceRequest.id).toBe(filed);
      expect(await page.locator('li.change').first().textContent()).toBe(
        'ServiceRequestFiled: Grid a',
      );
      await page.evaluate(() => (window as unknown as { source: EventSource }).source.close());
    } finally {
      await browser.close();
    }
  });

  it('when the gateway serving a stream stops mid-stream, then the client resumes on another and the sequence is whole', async () => {
    const second = await startTestGateway(
      Object.fromEntries(ALL_SERVICES.map((n) => [n, sys.services[n].service])),
      { env: { KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: TOPIC_PREFIX } },
    );
    let stopped = false;
    try {
      const first = await sseSubscribe(second.url, memberA, SUBSCRIPTION, { gridId: grid.a });
      open.push(first);
      await waitFor('subscribed on the second gateway', async () => {
        const text = await (await fetch(`http://127.0.0.1:${second.gateway.port}/metrics`)).text();
        return /^live_subscriptions\{[^}]*\} 1$/m.test(text) ? true : undefined;
      });
      const filed: string[] = [];
      let filing = true;
      const writer = (async () => {
        for (let i = 0; filing && i < 200; i++) filed.push(await file(resident.a, `Rollout ${i}`));
      })();
      const next = (s: SseStream) => s.frames.filter((f) => f.event === 'next');
      await waitFor('some changes on the first gateway', () =>
        next(first).length >= 10 ? true : undefined,
      );
      await second.stop();
      stopped = true;
      await waitFor('the first stream ended', () => (first.ended ? true : undefined));
      expect(first.frames.some((f) => f.event === 'complete')).toBe(false);
      const last = next(first).at(-1)!.id!;
      const resumed = await sseSubscribe(
        sys.gw.url,
        memberA,
        SUBSCRIPTION,
        { gridId: grid.a },
        last,
      );
      open.push(resumed);
      await waitFor('more changes on the other gateway', () =>
        next(resumed).length >= 10 ? true : undefined,
      );
      filing = false;
      await writer;
      const frames = () => [...next(first), ...next(resumed)];
      const ids = () => frames().map((f) => changeOf(JSON.parse(f.data)).serviceRequest.id);
      await waitFor('every change received', () =>
        ids().length >= filed.length ? true : undefined,
      );
      // Whole: every change once. Live frames keep each partition's order (one entity's events in
      // the order they happened); entities on different partitions may interleave.
      expect([...ids()].sort()).toEqual([...filed].sort());
      expect(new Set(ids()).size).toBe(filed.length);
      const offsets = new Map<number, bigint[]>();
      for (const f of frames()) {
        const [, partition, offset] = /:(\d+):(\d+)@/.exec(f.id!)!;
        offsets.set(Number(partition), [
          ...(offsets.get(Number(partition)) ?? []),
          BigInt(offset!),
        ]);
      }
      expect(offsets.size).toBeGreaterThan(0);
      for (const list of offsets.values())
        expect(list.every((o, i) => i === 0 || o > list[i - 1]!)).toBe(true);
    } finally {
      if (!stopped) await second.stop();
    }
  }, 180_000);

  it('when a resume position is not one the gateway wrote, then it is refused naming resumeFrom', async () => {
    const s = ws(memberA, grid.a, { resumeFrom: 'residents.service-request.v1:0:5@1.2' });
    await waitFor('refused', () => (s.errors.length ? true : undefined));
    expect(JSON.stringify(s.errors)).toContain('resumeFrom');
  });

  it('when the token expires, then the subscription ends with a close the client can act on', async () => {
    const short = await sys.gw.token(['grid_member'], { sub: 'member-a', gridIds: [grid.a] }, '3s');
    const s = ws(short, grid.a);
    await waitFor('closed at expiry', () => (s.closed ? true : undefined), 20_000);
    expect(s.closed).toEqual({ code: 4401, reason: 'Unauthorized: token expired' });
  });
});
