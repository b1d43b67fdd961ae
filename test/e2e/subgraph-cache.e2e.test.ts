import { CACHE_INVALIDATION_TOPIC, freePort } from '@liyuan/kit';
import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import {
  TOPIC_PREFIX,
  collectTopics,
  testBrokers,
  testKafka,
  type Received,
} from '../support/kafka';
import { startTestGateway, type TestGateway } from '../support/stack';
import { ALL_SERVICES, startSystem, type TestSystem } from '../support/system';
import { inDaysAt } from '../support/time';
import { waitFor } from '../support/wait';

const TOPIC = `${TOPIC_PREFIX}${CACHE_INVALIDATION_TOPIC}`;

/** Both gateways keep subgraph answers; entries outlive the test, so only evictions refresh them. */
const CACHE_ENV = {
  SUBGRAPH_CACHE: 'true',
  SUBGRAPH_CACHE_TTL_MS: '600000',
  // Generous on a loaded machine: a read that cannot fence in time skips the cache (still fresh).
  SUBGRAPH_CACHE_FENCE_MS: '2000',
  KAFKA_BROKERS: testBrokers().join(','),
  KAFKA_TOPIC_PREFIX: TOPIC_PREFIX,
};

const RESIDENT = `query($id: ID!) { resident(id: $id) { name bookings { edges { node { id status } } } } }`;
interface ResidentView {
  resident: { name: string; bookings: { edges: { node: { id: string; status: string } }[] } };
}

/** The gateway's cache outcomes, by subgraph, from its /metrics. */
async function outcomes(gw: TestGateway): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${gw.gateway.port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(
    /^gateway_subgraph_cache_total\{[^}]*subgraph="([^"]+)",outcome="([^"]+)"[^}]*\} (\d+)/gm,
  ))
    out[`${m[1]}:${m[2]}`] = Number(m[3]);
  return out;
}

/**
 * Two gateways with the subgraph cache, one set of subgraphs: whatever is written through either
 * gateway (or by a consumer reacting to an event) is what the next read through either returns.
 */
describe('the subgraph cache across gateway instances', () => {
  let sys: TestSystem;
  let gws: [TestGateway, TestGateway];
  let feed: { messages: Received[]; stop(): Promise<void> };
  let staff: string;
  let self: string;
  let room: string;
  const subject = { id: '' };

  /** The resident's name and bookings (the first page: at most 20, more than this test makes). */
  const read = async (gw: TestGateway) => {
    const res = await gw.query<ResidentView>(RESIDENT, { id: subject.id }, staff);
    if (res.errors || !res.data) throw new Error(JSON.stringify(res.errors));
    const { name, bookings } = res.data.resident;
    return { name, bookings: bookings.edges.map((e) => e.node) };
  };

  beforeAll(async () => {
    sys = await startSystem({ gatewayEnv: CACHE_ENV });
    const second = await startTestGateway(
      Object.fromEntries(ALL_SERVICES.map((n) => [n, sys.services[n].service])),
      { env: CACHE_ENV },
    );
    gws = [sys.gw, second];
    feed = await collectTopics([TOPIC]);
    staff = await sys.gw.token(['staff']);
    const { householdId } = await seedHousehold((query, v) => sys.gw.query(query, v, staff));
    const input = residentInput(householdId, { name: 'Cache Round 0' });
    subject.id = dataOf<{ id: string }>(
      await sys.gw.query(REGISTER_RESIDENT, { input }, staff),
      'registerResident',
    ).id;
    self = await sys.gw.token(['resident'], {
      residentId: subject.id,
      sub: `resident-${subject.id}`,
    });
    room = dataOf<{ id: string }>(
      await sys.gw.query(
        `mutation { addFacility(input: { name: "Cache Room", kind: ACTIVITY_ROOM, capacity: 12, opensAt: "08:00", closesAt: "21:00", location: "Block C" }) { id } }`,
        {},
        await sys.gw.token(['facility_manager']),
      ),
      'addFacility',
    ).id;
    // Each gateway reads its announcements once its group has joined: until then it skips the cache.
    for (const gw of gws) {
      await waitFor(
        'the gateway answering from its cache',
        async () => {
          await read(gw);
          const o = await outcomes(gw);
          return (o['residents:hit'] ?? 0) > 0 && (o['facilities:hit'] ?? 0) > 0 ? true : undefined;
        },
        60_000,
        200,
      );
    }
  }, 180_000);

  afterAll(async () => {
    await feed?.stop();
    await gws?.[1].stop();
    await sys?.stop();
  });

  it('answers from the cache: a change made behind its back is not seen', async () => {
    const before = await read(gws[0]);
    await sys.services.residents.service.db.dataSource.query(
      `UPDATE residents SET name = 'Changed Behind The Cache' WHERE id = $1`,
      [subject.id],
    );
    const hits = (await outcomes(gws[0]))['residents:hit'] ?? 0;
    expect((await read(gws[0])).name).toBe(before.name);
    expect((await outcomes(gws[0]))['residents:hit']).toBe(hits + 1);
  });

  it('returns what was just written through either gateway, on both, every time', async () => {
    const start = await Promise.all(gws.map(outcomes));
    const bookings: string[] = [];
    for (let round = 1; round <= 6; round++) {
      const writer = gws[round % 2]!;
      // Both gateways hold the current answer before the write.
      for (const gw of gws) await read(gw);

      const name = `Cache Round ${round}`;
      await writer.data(
        `mutation($id: ID!, $name: String!) { updateResident(input: { id: $id, name: $name }) { name } }`,
        { id: subject.id, name },
        staff,
      );
      for (const gw of gws) for (let i = 0; i < 3; i++) expect((await read(gw)).name).toBe(name);

      const booking = await writer.data<{ bookFacility: { id: string } }>(
        `mutation($f: ID!, $a: DateTime!, $b: DateTime!) { bookFacility(input: { facilityId: $f, startsAt: $a, endsAt: $b, attendees: 2, purpose: "Cache check" }) { id } }`,
        { f: room, a: inDaysAt(round + 2, 9), b: inDaysAt(round + 2, 10) },
        self,
      );
      bookings.push(booking.bookFacility.id);
      for (const gw of gws)
        for (let i = 0; i < 3; i++)
          expect((await read(gw)).bookings.map((b) => b.id).sort()).toEqual([...bookings].sort());
    }
    // The reads between writes were answered from the caches, on both gateways.
    const end = await Promise.all(gws.map(outcomes));
    for (const k of [0, 1]) {
      expect(end[k]!['residents:hit']! - (start[k]!['residents:hit'] ?? 0)).toBeGreaterThan(6);
      expect(end[k]!['facilities:hit']! - (start[k]!['facilities:hit'] ?? 0)).toBeGreaterThan(6);
    }
  });

  it('returns a consumer’s effect on both gateways once its announcement is on the broker', async () => {
    // Both hold the resident's bookings, none cancelled.
    for (const gw of gws) {
      const { bookings } = await read(gw);
      expect(bookings.length).toBe(6);
      expect(bookings.some((b) => b.status === 'CANCELLED')).toBe(false);
    }
    await gws[0].data(
      `mutation($r: ID!, $on: Date!) { moveOutResident(input: { residentId: $r, movedOutOn: $on }) { status } }`,
      { r: subject.id, on: new Date().toISOString().slice(0, 10) },
      staff,
    );
    // Facilities cancels the bookings when it consumes ResidentMovedOut, then announces the change.
    const effect = await waitFor('facilities applying ResidentMovedOut', () =>
      sys.logs.facilities.find(
        (l) =>
          l.msg === 'event consumed' &&
          l.eventType === 'ResidentMovedOut' &&
          l.outcome === 'applied',
      ),
    );
    await waitFor('facilities announcing the change', () =>
      feed.messages.find(
        (m) =>
          m.value.subgraph === 'facilities' &&
          m.value.cause === 'event' &&
          Date.parse(String(m.value.at)) >= Date.parse(String(effect.time)),
      ),
    );
    for (const gw of gws)
      for (let i = 0; i < 3; i++)
        expect((await read(gw)).bookings.map((b) => b.status)).toEqual(Array(6).fill('CANCELLED'));
  });

  it('never keeps an audited read: each one reaches the subgraph and is recorded', async () => {
    const audited = async (): Promise<number> =>
      Number(
        (
          (await sys.services.residents.service.db.dataSource.query(
            `SELECT count(*) AS n FROM personal_data_access WHERE resident_id = $1`,
            [subject.id],
          )) as { n: string }[]
        )[0]!.n,
      );
    const before = await audited();
    const notKept = (await outcomes(gws[1]))['residents:not_kept'] ?? 0;
    for (let i = 0; i < 3; i++)
      await gws[1].data(
        `query($id: ID!) { resident(id: $id) { name phone(purpose: "cache check") } }`,
        { id: subject.id },
        staff,
      );
    expect(await audited()).toBe(before + 3);
    expect((await outcomes(gws[1]))['residents:not_kept']).toBe(notKept + 3);
  });

  it('evicts everything on an announcement it cannot place', async () => {
    for (const gw of gws) await read(gw);
    const before = await Promise.all(gws.map(outcomes));
    const producer = testKafka().producer();
    await producer.connect();
    try {
      await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: [
          {
            value: JSON.stringify({ subgraph: 'not-served-here', cause: 'event', at: new Date() }),
          },
          { value: 'not an announcement' },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    for (const [k, gw] of gws.entries()) {
      await read(gw);
      const after = await outcomes(gw);
      expect(after['residents:hit']).toBe(before[k]!['residents:hit']);
      expect(after['residents:miss']).toBe((before[k]!['residents:miss'] ?? 0) + 1);
      expect(after['facilities:miss']).toBe((before[k]!['facilities:miss'] ?? 0) + 1);
    }
  });

  it('answers from the subgraphs when its broker is away, and still answers mutations', async () => {
    const away = await startTestGateway(
      Object.fromEntries(ALL_SERVICES.map((n) => [n, sys.services[n].service])),
      { env: { ...CACHE_ENV, KAFKA_BROKERS: `127.0.0.1:${await freePort()}` } },
    );
    try {
      const [stored] = (await sys.services.residents.service.db.dataSource.query(
        `SELECT name FROM residents WHERE id = $1`,
        [subject.id],
      )) as { name: string }[];
      expect((await read(away)).name).toBe(stored!.name);
      expect((await outcomes(away))['residents:bypass']).toBeGreaterThanOrEqual(1);
      expect((await outcomes(away))['residents:hit']).toBeUndefined();

      const added = await away.data<{ addFacility: { name: string } }>(
        `mutation { addFacility(input: { name: "Written Without Broker", kind: ACTIVITY_ROOM, capacity: 8, opensAt: "08:00", closesAt: "20:00", location: "Block D" }) { name } }`,
        {},
        await away.token(['facility_manager']),
      );
      expect(added.addFacility.name).toBe('Written Without Broker');
      const metrics = await (await fetch(`http://127.0.0.1:${away.gateway.port}/metrics`)).text();
      expect(metrics).toMatch(
        /^gateway_subgraph_cache_announce_failures_total\{[^}]*subgraph="facilities"[^}]*\} 1$/m,
      );
    } finally {
      await away.stop();
    }
  });
});
