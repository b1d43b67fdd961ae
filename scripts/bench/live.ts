import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { demoId, signCaller, type Caller } from '@liyuan/kit';
import { BOOKING_HORIZON_DAYS } from '../../services/facilities/src/domain/bookings';

// S1: live updates. Many subscribers over WebSocket (graphql-ws) on four subscription kinds, fed by
// real mutations at a fixed rate; each frame's latency from its event's `occurredAt`, and every
// subscriber's frames counted against the events committed for what it watches.

export const STATUS = `subscription S1Status($id: ID!) {
  facilityStatusChanged(facilityId: $id) { position event occurredAt facility { id name status } }
}`;
export const EQUIPMENT = `subscription S1Equipment($id: ID!) {
  facilityEquipmentChanged(facilityId: $id) {
    position event occurredAt facility { id status equipment { id name status } }
  }
}`;
export const BOOKINGS = `subscription S1Bookings($id: ID!) {
  residentBookingsChanged(residentId: $id) {
    position event occurredAt booking { id status startsAt facility { id name } }
  }
}`;
export const ACTIVITY = `subscription S1Activity($id: ID!) {
  activityChanged(activityId: $id) {
    position event occurredAt activity { id title status registeredCount capacity }
  }
}`;

export type Kind = 'status' | 'equipment' | 'bookings' | 'activity';
const QUERIES: Record<Kind, string> = {
  status: STATUS,
  equipment: EQUIPMENT,
  bookings: BOOKINGS,
  activity: ACTIVITY,
};
const FIELDS: Record<Kind, string> = {
  status: 'facilityStatusChanged',
  equipment: 'facilityEquipmentChanged',
  bookings: 'residentBookingsChanged',
  activity: 'activityChanged',
};

export interface S1Scale {
  /** Facilities watched for status and equipment (each with one device), two subscribers each. */
  facilities: number;
  /** Demo residents watching their own bookings, each on two connections (two devices). */
  bookers: number;
  /** Upcoming demo activities, `activityWatchers` subscribers each. */
  activities: number;
  activityWatchers: number;
  /** Viewers (resident callers) holding the facility and activity subscriptions. */
  viewers: number;
  /** Subscriptions per viewer connection (at most LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION). */
  perConnection: number;
  ratePerSecond: number;
  durationS: number;
  /**
   * Mutations in flight at most; a tick that finds this many still waiting is skipped (counted).
   * 50 is a quarter second of the target rate: more only queues at the subgraph's connection pool,
   * where the pushes' reads then wait behind the mutations (and time out).
   */
  maxInFlight: number;
  /** False: the same drive with no subscriber (what the mutations alone cost and reach). */
  subscribe?: boolean;
}

/** 1,000 subscribers: 300 on a facility's status, 300 on its equipment, 200 on bookings, 200 on activities. */
export const S1_SCALE: S1Scale = {
  facilities: 150,
  bookers: 100,
  activities: 20,
  activityWatchers: 10,
  viewers: 40,
  perConnection: 10,
  ratePerSecond: 200,
  durationS: 20,
  maxInFlight: 50,
};

/** Share of the events by kind (activities have more watchers each, so fewer of their events). */
const MIX: [Kind, number][] = [
  ['status', 0.3],
  ['equipment', 0.3],
  ['bookings', 0.3],
  ['activity', 0.1],
];

export interface S1Result {
  subscribers: number;
  connections: number;
  callers: number;
  kinds: Record<Kind, number>;
  durationS: number;
  targetRate: number;
  /** Mutations in flight at most (the drive's bound). */
  maxInFlight: number;
  /** Mutations that committed an event, per second of the drive. */
  eventsPerSecond: number;
  events: number;
  /** Mutations refused or failed (no event), and ticks skipped because too many were in flight. */
  mutationErrors: number;
  skipped: number;
  /** Frames each subscriber should have had (events on what it watches), and what arrived. */
  expectedPushes: number;
  received: number;
  missed: number;
  duplicated: number;
  /** Frames with errors. */
  errorFrames: number;
  /** Seconds from the end of the drive until every expected frame had arrived (or the deadline). */
  drainS: number;
  pushesPerSecond: number;
  /** Frame received minus the event's `occurredAt` (ms). */
  latency: { p50: number; p95: number; p99: number; max: number };
  /** Subscriptions refused or connections closed by the gateway. */
  refused: number;
  closed: number;
  errorSamples: string[];
}

export interface S1Env {
  /** Our gateway serving live updates (KAFKA_BROKERS set). */
  gatewayUrl: string;
  subgraphUrls: { facilities: string; 'shared-spaces': string };
  identitySecret: string;
  token: (claims: { sub: string; roles: string[]; residentId?: string }) => Promise<string>;
  say: (line: string) => void;
  /** Called when the drive starts and when every frame is in (CPU and memory brackets). */
  onDriveStart?: () => void;
  onDriveEnd?: () => void;
}

interface Sub {
  kind: Kind;
  entity: string;
  positions: Set<string>;
  frames: number;
  duplicates: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;

/** Runs S1 against a running stack whose gateway serves live updates. */
export async function runS1(env: S1Env, scale: S1Scale = S1_SCALE): Promise<S1Result> {
  const { say } = env;
  const errorSamples: string[] = [];
  const note = (e: string) => {
    if (errorSamples.length < 5) errorSamples.push(e.slice(0, 300));
  };
  const call = async (
    url: string,
    caller: Caller | undefined,
    query: string,
    variables: Record<string, unknown>,
    token?: string,
  ): Promise<Record<string, unknown>> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(caller ? signCaller(caller, env.identitySecret) : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors?.length || !body.data) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const manager: Caller = { userId: 'bench-fm', roles: ['facility_manager'], gridIds: [] };
  const staff: Caller = { userId: 'bench-staff', roles: ['staff'], gridIds: [] };
  const reporter: Caller = {
    userId: 'resident-bench-reporter',
    roles: ['resident'],
    residentId: randomUUID(),
    gridIds: [],
  };
  const facilities = env.subgraphUrls.facilities;
  const spaces = env.subgraphUrls['shared-spaces'];

  // The data: facilities with a device each, facilities to book, upcoming demo activities.
  say(`S1: creating ${scale.facilities} facilities with a device each...`);
  const addFacility = async (name: string) =>
    (
      (await call(
        facilities,
        manager,
        `mutation($i: AddFacilityInput!) { addFacility(input: $i) { id } }`,
        {
          i: {
            name,
            kind: 'ACTIVITY_ROOM',
            capacity: 40,
            opensAt: '08:00',
            closesAt: '21:00',
            location: 'Bench block',
          },
        },
      )) as { addFacility: { id: string } }
    ).addFacility.id;
  const watched: { id: string; device: string; status: number; order?: string; busy: boolean }[] =
    [];
  for (let i = 0; i < scale.facilities; i++) {
    const id = await addFacility(`S1 room ${i + 1}`);
    const device = (
      (await call(
        facilities,
        manager,
        `mutation($i: AddEquipmentInput!) { addEquipment(input: $i) { id } }`,
        { i: { facilityId: id, name: `Stepper ${i + 1}` } },
      )) as { addEquipment: { id: string } }
    ).addEquipment.id;
    watched.push({ id, device, status: 0, busy: false });
  }
  const bookable: string[] = [];
  for (let i = 0; i < 20; i++) bookable.push(await addFacility(`S1 hall ${i + 1}`));
  const bookers = Array.from({ length: scale.bookers }, (_, i) => demoId('resident', i * 7 + 3));
  // The demo's weekly activities: space i's activity of week w is number i * 11 + w + 9 (w = 1, 2
  // are always ahead).
  const activityIds: string[] = [];
  for (let i = 0; activityIds.length < scale.activities && i < 10; i++)
    for (const week of [1, 2]) activityIds.push(demoId('activity', i * 11 + week + 9));
  const activities = activityIds.slice(0, scale.activities).map((id) => ({
    id,
    registered: [] as string[],
    busy: false,
  }));
  for (const a of activities) {
    const { activity } = (await call(
      spaces,
      staff,
      `query($id: ID!) { activity(id: $id) { status } }`,
      { id: a.id },
    )) as { activity: { status: string } | null };
    if (activity?.status !== 'CONFIRMED')
      throw new Error(`demo activity ${a.id} is ${activity?.status ?? 'missing'}`);
  }

  // The subscribers.
  const subs: Sub[] = [];
  const byEntity = new Map<string, Sub[]>();
  const latencies: number[] = [];
  let refused = 0;
  let closed = 0;
  let errorFrames = 0;
  let lastFrameAt = 0;
  const clients: Client[] = [];
  const pending: Promise<void>[] = [];
  const connect = (token: string) =>
    createClient({
      url: env.gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      on: {
        closed: (e) => {
          const code = (e as { code?: number }).code;
          if (code !== 1000) {
            closed++;
            note(`connection closed ${code} ${(e as { reason?: string }).reason ?? ''}`);
          }
        },
      },
    });
  const subscribe = (client: Client, kind: Kind, entity: string) => {
    const sub: Sub = { kind, entity, positions: new Set(), frames: 0, duplicates: 0 };
    subs.push(sub);
    const key = `${kind}:${entity}`;
    byEntity.set(key, [...(byEntity.get(key) ?? []), sub]);
    client.subscribe(
      { query: QUERIES[kind], variables: { id: entity } },
      {
        next: (r) => {
          const now = Date.now();
          lastFrameAt = now;
          if (r.errors?.length) {
            errorFrames++;
            note(JSON.stringify(r.errors));
          }
          const change = (r.data as Record<string, { position: string; occurredAt: string }>)?.[
            FIELDS[kind]
          ];
          if (!change) return;
          sub.frames++;
          if (sub.positions.has(change.position)) sub.duplicates++;
          sub.positions.add(change.position);
          latencies.push(now - Date.parse(change.occurredAt));
        },
        error: (e) => {
          refused++;
          note(`subscription refused: ${JSON.stringify(e)}`);
        },
        complete: () => undefined,
      },
    );
  };
  const watching = scale.subscribe !== false;
  say(watching ? 'S1: opening the subscriptions...' : 'S1: no subscribers (the drive alone)');
  const viewerSubs: [Kind, string][] = [];
  if (watching)
    for (const f of watched)
      viewerSubs.push(['status', f.id], ['status', f.id], ['equipment', f.id], ['equipment', f.id]);
  if (watching)
    for (const a of activities)
      for (let k = 0; k < scale.activityWatchers; k++) viewerSubs.push(['activity', a.id]);
  // Each viewer has two connections; the copies of a subscription go to different viewers.
  const viewerConns: Client[] = [];
  for (let v = 0; v < (watching ? scale.viewers : 0); v++) {
    const residentId = randomUUID();
    const token = await env.token({ sub: `viewer-${v}`, roles: ['resident'], residentId });
    viewerConns.push(connect(token), connect(token));
  }
  clients.push(...viewerConns);
  const perConn = new Map<Client, number>();
  viewerSubs.forEach(([kind, id], i) => {
    // Subscriptions i and i+1 of the same entity land on connections far apart.
    const client = viewerConns[(i * 7) % viewerConns.length]!;
    const n = perConn.get(client) ?? 0;
    if (n >= scale.perConnection) {
      const free = viewerConns.find((c) => (perConn.get(c) ?? 0) < scale.perConnection);
      if (!free) throw new Error('S1: not enough viewer connections');
      perConn.set(free, (perConn.get(free) ?? 0) + 1);
      subscribe(free, kind, id);
      return;
    }
    perConn.set(client, n + 1);
    subscribe(client, kind, id);
  });
  for (const residentId of watching ? bookers : []) {
    const token = await env.token({
      sub: `resident-${residentId}`,
      roles: ['resident'],
      residentId,
    });
    for (let d = 0; d < 2; d++) {
      const client = connect(token);
      clients.push(client);
      subscribe(client, 'bookings', residentId);
    }
  }
  const callers = watching ? scale.viewers + bookers.length : 0;
  // Open when the gateway counts them all.
  const liveSubscriptions = async () => {
    const text = await (await fetch(env.gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
    return [...text.matchAll(/^live_subscriptions(?:\{[^}]*\})? (\d+)/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
  };
  const openDeadline = Date.now() + 120_000;
  while ((await liveSubscriptions()) < subs.length) {
    if (refused || Date.now() > openDeadline)
      throw new Error(
        `S1: ${await liveSubscriptions()} of ${subs.length} subscriptions open; ${errorSamples.join('; ')}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
  say(
    `S1: ${subs.length} subscriptions open on ${clients.length} connections of ${callers} callers`,
  );

  // The drive: every 50 ms a tick of rate/20 mutations, each committing one event (open loop, at
  // most maxInFlight at once).
  const expected = new Map<string, number>();
  const committed = (kind: Kind, entity: string) => {
    const key = `${kind}:${entity}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
    events++;
  };
  let events = 0;
  let mutationErrors = 0;
  let skipped = 0;
  let inFlight = 0;
  let slot = 0;
  const DAY = 86_400_000;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const STATUSES = ['CLOSED', 'MAINTENANCE', 'OPEN'];
  const pickKind = (): Kind => {
    let r = Math.random();
    for (const [k, w] of MIX) if ((r -= w) < 0) return k;
    return 'status';
  };
  const mutate = async (kind: Kind): Promise<void> => {
    switch (kind) {
      case 'status': {
        const free = watched.filter((x) => !x.busy);
        const f = free[Math.floor(Math.random() * free.length)];
        if (!f) return void skipped++;
        f.busy = true;
        try {
          await call(
            facilities,
            manager,
            `mutation($i: SetFacilityStatusInput!) { setFacilityStatus(input: $i) { status } }`,
            { i: { id: f.id, status: STATUSES[f.status % 3] } },
          );
          f.status++;
          committed('status', f.id);
        } finally {
          f.busy = false;
        }
        return;
      }
      case 'equipment': {
        const free = watched.filter((x) => !x.busy);
        const f = free[Math.floor(Math.random() * free.length)];
        if (!f) return void skipped++;
        f.busy = true;
        try {
          if (f.order) {
            await call(
              facilities,
              manager,
              `mutation($i: CompleteRepairInput!) { completeRepair(input: $i) { id } }`,
              { i: { id: f.order, resolution: 'Fixed' } },
            );
            f.order = undefined;
          } else {
            f.order = (
              (await call(
                facilities,
                reporter,
                `mutation($i: ReportEquipmentFaultInput!) { reportEquipmentFault(input: $i) { id } }`,
                { i: { equipmentId: f.device, description: 'Sticks' } },
              )) as { reportEquipmentFault: { id: string } }
            ).reportEquipmentFault.id;
          }
          committed('equipment', f.id);
        } finally {
          f.busy = false;
        }
        return;
      }
      case 'bookings': {
        const residentId = bookers[Math.floor(Math.random() * bookers.length)]!;
        // A slot of its own: a half hour from 08:00 to 20:30 Beijing time, day by day.
        const k = slot++;
        const facilityId = bookable[k % bookable.length]!;
        const half = Math.floor(k / bookable.length) % 25;
        const day = 2 + Math.floor(k / bookable.length / 25);
        if (day >= BOOKING_HORIZON_DAYS - 1) return void skipped++;
        const startsAt = new Date(today + day * DAY + half * 30 * 60_000);
        await call(
          facilities,
          staff,
          `mutation($i: BookFacilityInput!) { bookFacility(input: $i) { id } }`,
          {
            i: {
              facilityId,
              startsAt: startsAt.toISOString(),
              endsAt: new Date(+startsAt + 30 * 60_000).toISOString(),
              attendees: 1,
              purpose: 'S1',
              residentId,
            },
          },
        );
        committed('bookings', residentId);
        return;
      }
      case 'activity': {
        const free = activities.filter((x) => !x.busy);
        const a = free[Math.floor(Math.random() * free.length)];
        if (!a) return void skipped++;
        a.busy = true;
        try {
          const withdraw = a.registered.length > 0 && Math.random() < 0.5;
          const residentId = withdraw ? a.registered.pop()! : randomUUID();
          const resident: Caller = {
            userId: `resident-${residentId}`,
            roles: ['resident'],
            residentId,
            gridIds: [],
          };
          try {
            await call(
              spaces,
              resident,
              withdraw
                ? `mutation($id: ID!) { cancelRegistration(input: { activityId: $id }) { id } }`
                : `mutation($id: ID!) { registerForActivity(input: { activityId: $id }) { id } }`,
              { id: a.id },
            );
          } catch (e) {
            if (withdraw) a.registered.push(residentId);
            throw e;
          }
          if (!withdraw) a.registered.push(residentId);
          committed('activity', a.id);
        } finally {
          a.busy = false;
        }
        return;
      }
    }
  };
  say(`S1: ${scale.ratePerSecond} events/s for ${scale.durationS} s...`);
  env.onDriveStart?.();
  const started = Date.now();
  const perTick = scale.ratePerSecond / 20;
  let ticks = 0;
  let owed = 0;
  while (Date.now() - started < scale.durationS * 1000) {
    ticks++;
    owed += perTick;
    for (; owed >= 1; owed--) {
      if (inFlight >= scale.maxInFlight) {
        skipped++;
        continue;
      }
      inFlight++;
      pending.push(
        mutate(pickKind())
          .catch((e: unknown) => {
            mutationErrors++;
            note(`mutation: ${(e as Error).message}`);
          })
          .finally(() => inFlight--),
      );
    }
    const next = started + ticks * 50;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  await Promise.all(pending);
  const driveS = (Date.now() - started) / 1000;
  // Every expected frame in, or 60 s without it.
  const expectedPushes = () =>
    subs.reduce((n, s) => n + (expected.get(`${s.kind}:${s.entity}`) ?? 0), 0);
  const total = expectedPushes();
  const received = () => subs.reduce((n, s) => n + s.positions.size, 0);
  const drainStart = Date.now();
  while (received() < total && Date.now() - drainStart < 60_000)
    await new Promise((r) => setTimeout(r, 100));
  const drainS = (Math.max(lastFrameAt, drainStart) - drainStart) / 1000;
  env.onDriveEnd?.();
  const pushSpanS = (Math.max(lastFrameAt, started) - started) / 1000;

  let missed = 0;
  let duplicated = 0;
  let frames = 0;
  for (const s of subs) {
    const want = expected.get(`${s.kind}:${s.entity}`) ?? 0;
    missed += Math.max(0, want - s.positions.size);
    duplicated += s.duplicates;
    frames += s.frames;
  }
  await Promise.all(clients.map((c) => c.dispose()));
  const sorted = [...latencies].sort((a, b) => a - b);
  const kinds = { status: 0, equipment: 0, bookings: 0, activity: 0 } as Record<Kind, number>;
  for (const s of subs) kinds[s.kind]++;
  return {
    subscribers: subs.length,
    connections: clients.length,
    callers,
    kinds,
    durationS: driveS,
    targetRate: scale.ratePerSecond,
    maxInFlight: scale.maxInFlight,
    eventsPerSecond: events / driveS,
    events,
    mutationErrors,
    skipped,
    expectedPushes: total,
    received: frames,
    missed,
    duplicated,
    errorFrames,
    drainS,
    pushesPerSecond: frames / Math.max(pushSpanS, 1e-3),
    latency: {
      p50: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      p99: quantile(sorted, 0.99),
      max: sorted.at(-1) ?? 0,
    },
    refused,
    closed,
    errorSamples,
  };
}
