import { VisitsDueWatch } from '../../services/residents/src/events/visits-due-watch';
import type { RunningResidents } from '../../services/residents/src/service';
import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { TOPIC_PREFIX, testBrokers } from '../support/kafka';
import { silentLogger } from '../support/stack';
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

const DAY = 86_400_000;
const SELECTION = `household { id address grid { id } members { id name phone } }`;
const SUBSCRIPTION = `subscription($gridId: ID!) {
  gridVisitsDue(gridId: $gridId) { position event occurredAt ${SELECTION} }
}`;
const QUERY = `query($id: ID!) { ${SELECTION.replace('household {', 'household(id: $id) {')} }`;

interface Change {
  position: string;
  event: string;
  occurredAt: string;
  household: { id: string; grid: { id: string }; members: { name: string }[] };
}
const changeOf = (r: { data?: unknown }) => (r.data as { gridVisitsDue: Change }).gridVisitsDue;
const POSITION = /^residents\.visit\.v1:\d+:\d+@[\d.]+$/;

/**
 * Visits fall due with time passing: the residents' visits-due watch, on a clock the test moves,
 * announces each household of a grid falling due once (VisitFellDue, through the outbox), and the
 * gateway pushes it to the grid's members and staff only.
 */
describe('live updates: visits falling due in a grid', () => {
  let sys: TestSystem;
  let staff: string;
  let memberA: string;
  let memberB: string;
  /** How far ahead of the real time the residents' visits-due watch stands. */
  let ahead = 0;
  const clock = () => new Date(Date.now() + ahead);
  const grid = { a: '', b: '' };
  const household = { a: '', b: '' };
  const open: (WsSubscription | SseStream)[] = [];

  const subscriptions = () => gatewayMetric(sys.gw.gateway.port, 'live_subscriptions');
  const residents = () => sys.services.residents.service as RunningResidents;
  /** The VisitFellDue events residents committed for a household, oldest first. */
  const announced = async (householdId: string) =>
    (
      (await residents().db.dataSource.query(
        `SELECT envelope->'data' AS data FROM outbox_events
          WHERE type = 'VisitFellDue' AND aggregate_id = $1 ORDER BY seq`,
        [householdId],
      )) as { data: Record<string, unknown> }[]
    ).map((r) => r.data);

  beforeAll(async () => {
    sys = await startSystem({
      gatewayEnv: { KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: TOPIC_PREFIX },
      serviceEnv: { residents: { VISITS_DUE_TICK_MS: '200' } },
      serviceStart: { residents: { visitsDueClock: clock } },
    });
    staff = await sys.gw.token(['staff']);
    const call = (q: string, v?: Record<string, unknown>) => sys.gw.query(q, v, staff);
    for (const k of ['a', 'b'] as const) {
      const seeded = await seedHousehold(call);
      grid[k] = seeded.gridId;
      household[k] = seeded.householdId;
      // Living alone at 64: a visit every 7 days, the first due a week after registration.
      dataOf(
        await call(REGISTER_RESIDENT, {
          input: residentInput(seeded.householdId, {
            name: `Alone ${k}`,
            tags: ['elderly_living_alone'],
          }),
        }),
        'registerResident',
      );
    }
    memberA = await sys.gw.token(['grid_member'], { sub: 'member-a', gridIds: [grid.a] });
    memberB = await sys.gw.token(['grid_member'], { sub: 'member-b', gridIds: [grid.b] });
  }, 120_000);
  afterEach(() => endAll(open, sys.gw.gateway.port));
  afterAll(async () => {
    await sys?.stop();
  });

  it('when a week passes, then each household falls due once, its grid’s member and staff hear of it as they may read it, and the other grid hears only its own', async () => {
    const a = wsSubscribe(sys.gw.url, memberA, SUBSCRIPTION, { gridId: grid.a });
    open.push(a);
    const b = await sseSubscribe(sys.gw.url, memberB, SUBSCRIPTION, { gridId: grid.b });
    open.push(b);
    const s = await sseSubscribe(sys.gw.url, staff, SUBSCRIPTION, { gridId: grid.a });
    open.push(s);
    expect([b.status, s.status]).toEqual([200, 200]);
    await waitFor('three subscriptions open', async () =>
      (await subscriptions()) === 3 ? true : undefined,
    );
    const next = (sse: SseStream) =>
      sse.frames
        .filter((f) => f.event === 'next')
        .map((f) => ({ id: f.id, ...JSON.parse(f.data) }));

    // Six days on, nothing is due yet: a few ticks announce nothing.
    ahead = 6 * DAY;
    await residents().visitsDue.tick();
    expect(await announced(household.a)).toEqual([]);

    // A week and an hour on: both households fell due. Two more replicas tick at the same moment
    // (locks of their own, so only the notices' key stands between them and a second event).
    ahead = 7 * DAY + 3_600_000;
    const replica = (lockKey: number) =>
      new VisitsDueWatch({
        dataSource: residents().db.dataSource,
        logger: silentLogger(),
        intervalMs: 60_000,
        batchSize: 500,
        lockKey,
        clock,
      });
    const ticks = await Promise.all([replica(1).tick(), replica(2).tick(), replica(3).tick()]);
    expect(ticks.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(2);
    await waitFor('grid a’s member and staff hear of it', () =>
      a.results.length && next(s).length ? true : undefined,
    );
    await waitFor('grid b’s member hears of its own', () => (next(b).length ? true : undefined));
    // More ticks, by the service and a replica: nothing more is announced.
    await residents().visitsDue.tick();
    await replica(4).tick();

    const forMember = changeOf(a.results[0]!);
    expect(forMember.event).toBe('VisitFellDue');
    expect(forMember.position).toMatch(POSITION);
    expect(forMember.household.id).toBe(household.a);
    expect(Date.parse(forMember.occurredAt)).not.toBeNaN();
    const asQuery = async (token: string) =>
      (await sys.gw.data<{ household: unknown }>(QUERY, { id: household.a }, token)).household;
    expect(forMember.household).toEqual(await asQuery(memberA));
    expect(changeOf(next(s)[0]!).household).toEqual(await asQuery(staff));
    expect(next(s)[0]!.id).toBe(changeOf(next(s)[0]!).position);
    expect(forMember.household.members.map((m) => m.name)).toEqual(['Alone a']);
    expect(next(b).map((f) => changeOf(f).household.id)).toEqual([household.b]);

    const events = await announced(household.a);
    expect(events).toHaveLength(1);
    // Ids, the due instant and the cadence: no tag (who is disabled, who is poor), no name.
    expect(events[0]).toEqual({
      householdId: household.a,
      gridId: grid.a,
      dueAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      cadenceDays: 7,
    });
    expect(Date.parse(events[0]!.dueAt as string)).toBeLessThan(clock().getTime());
    expect(await announced(household.b)).toHaveLength(1);
    expect(a.results).toHaveLength(1);
    expect(next(s)).toHaveLength(1);

    // Visited today: the next visit falls due a week later, which the watch's clock has passed
    // (it stands a week ahead), so it is announced once more, with its own due instant.
    await sys.gw.data(
      `mutation($input: RecordVisitInput!) { recordVisit(input: $input) { id } }`,
      {
        input: {
          householdId: household.a,
          visitedAt: new Date(Date.now() - 100).toISOString(),
          notes: 'All well',
        },
      },
      memberA,
    );
    await waitFor('the next due date heard', () => (a.results.length === 2 ? true : undefined));
    const again = await announced(household.a);
    expect(again).toHaveLength(2);
    expect(Date.parse(again[1]!.dueAt as string)).toBeGreaterThan(
      Date.parse(again[0]!.dueAt as string),
    );
    expect(changeOf(a.results[1]!).household.id).toBe(household.a);
    expect(next(b)).toHaveLength(1);
  });

  it('when a caller may not read the grid’s visits, then subscribing is refused: FORBIDDEN for another grid’s member, the connection closed without a token', async () => {
    const other = wsSubscribe(sys.gw.url, memberB, SUBSCRIPTION, { gridId: grid.a });
    const anonymous = wsSubscribe(sys.gw.url, undefined, SUBSCRIPTION, { gridId: grid.a });
    const malformed = wsSubscribe(sys.gw.url, memberA, SUBSCRIPTION, { gridId: 'grid-a' });
    open.push(other, anonymous, malformed);
    await waitFor('all refused', () =>
      other.errors.length && malformed.errors.length && anonymous.closed ? true : undefined,
    );
    expect(other.errors[0]).toMatchObject([{ extensions: { code: 'FORBIDDEN' } }]);
    expect(malformed.errors[0]).toMatchObject([
      { extensions: { code: 'BAD_USER_INPUT', field: 'gridId' } },
    ]);
    expect(anonymous.closed!.code).toBe(4401);
    const sse = await sseSubscribe(sys.gw.url, memberB, SUBSCRIPTION, { gridId: grid.a });
    expect(sse.status).toBe(403);
  });
});
