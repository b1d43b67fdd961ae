import { randomUUID } from 'node:crypto';
import { TOPIC_PREFIX, testBrokers } from '../support/kafka';
import { dataOf } from '../support/registry-fixtures';
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
const SHIFT_SUBSCRIPTION = `subscription($shiftId: ID!) {
  shiftSlotsChanged(shiftId: $shiftId) { position event shift { id slots taken opportunity { title } } }
}`;
const HOURS_SUBSCRIPTION = `subscription($residentId: ID!) {
  volunteerHoursApproved(residentId: $residentId) {
    position event occurredAt serviceRecord { id hours status shift { id } }
  }
}`;
const SIGN_UP = `mutation($id: ID!) { signUp(input: { shiftId: $id }) { id } }`;
const WITHDRAW = `mutation($id: ID!) { cancelSignUp(input: { shiftId: $id }) { id } }`;

interface ShiftChange {
  position: string;
  event: string;
  shift: { id: string; slots: number; taken: number; opportunity: { title: string } };
}
interface HoursChange {
  position: string;
  event: string;
  occurredAt: string;
  serviceRecord: { id: string; hours: number; status: string; shift: { id: string } | null };
}
const shiftChangeOf = (r: { data?: unknown }) =>
  (r.data as { shiftSlotsChanged: ShiftChange }).shiftSlotsChanged;
const hoursChangeOf = (r: { data?: unknown }) =>
  (r.data as { volunteerHoursApproved: HoursChange }).volunteerHoursApproved;

/**
 * Live updates of volunteering through the gateway: a shift's slots as volunteers sign up and
 * withdraw, and a volunteer's hours as a lead approves them (the volunteer, leads and staff only).
 */
describe('live updates: shifts and approved hours', () => {
  let sys: TestSystem;
  let staff: string;
  let lead: string;
  let teamId: string;
  const open: (WsSubscription | SseStream)[] = [];

  const subscriptions = () => gatewayMetric(sys.gw.gateway.port, 'live_subscriptions');
  /** A resident registered as a volunteer and added to the team: their id and token. */
  const volunteer = async () => {
    const residentId = randomUUID();
    const token = await sys.gw.token(['resident'], { sub: `resident-${residentId}`, residentId });
    await sys.gw.data(
      `mutation { registerVolunteer(input: { skills: ["first aid"] }) { id } }`,
      {},
      token,
    );
    await sys.gw.data(
      `mutation($t: ID!, $r: ID!) { addTeamMember(input: { teamId: $t, residentId: $r }) { id } }`,
      { t: teamId, r: residentId },
      lead,
    );
    return { residentId, token };
  };
  /** An opportunity of the team with one shift per start (hours from now, two hours long, 3 slots). */
  const shifts = async (title: string, startsInHours: number[]) =>
    dataOf<{ shifts: { id: string }[] }>(
      await sys.gw.query(
        `mutation($i: PostOpportunityInput!) { postOpportunity(input: $i) { shifts { id } } }`,
        {
          i: {
            teamId,
            kind: 'HYGIENE_DRIVE',
            title,
            shifts: startsInHours.map((h) => ({
              startsAt: new Date(Date.now() + h * HOUR).toISOString(),
              endsAt: new Date(Date.now() + (h + 2) * HOUR).toISOString(),
              slots: 3,
            })),
          },
        },
        lead,
      ),
      'postOpportunity',
    ).shifts.map((s) => s.id);
  const ws = (token: string | undefined, query: string, variables: Record<string, unknown>) => {
    const s = wsSubscribe(sys.gw.url, token, query, variables);
    open.push(s);
    return s;
  };
  /** The events volunteers committed with this aggregate id, in order. */
  const outbox = async (aggregateId: string) =>
    (
      (await sys.services.volunteers.service.db.dataSource.query(
        `SELECT type, envelope->'data' AS data FROM outbox_events WHERE aggregate_id = $1 ORDER BY seq`,
        [aggregateId],
      )) as { type: string; data: Record<string, unknown> }[]
    ).map((r) => ({ type: r.type, data: r.data }));

  beforeAll(async () => {
    sys = await startSystem({
      gatewayEnv: { KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: TOPIC_PREFIX },
    });
    staff = await sys.gw.token(['staff']);
    lead = await sys.gw.token(['volunteer_lead'], { sub: 'lead-live' });
    teamId = dataOf<{ id: string }>(
      await sys.gw.query(
        `mutation { createTeam(input: { name: "Square Sweepers", kind: VOLUNTEERS, leadUserId: "lead-live" }) { id } }`,
        {},
        staff,
      ),
      'createTeam',
    ).id;
  }, 120_000);
  afterEach(() => endAll(open, sys.gw.gateway.port));
  afterAll(async () => {
    await sys?.stop();
  });

  it("when volunteers sign up and withdraw, then a shift's subscribers get the slots taken after each change, once, in order, and another shift's hear nothing of it", async () => {
    const [watched, other] = (await shifts('Clean the square', [24, 30])) as [string, string];
    const [a, b] = [await volunteer(), await volunteer()];
    const resident = await sys.gw.token(['resident'], { residentId: randomUUID() });
    const viewer = ws(resident, SHIFT_SUBSCRIPTION, { shiftId: watched });
    const elsewhere = ws(resident, SHIFT_SUBSCRIPTION, { shiftId: other });
    await waitFor('two subscriptions open', async () =>
      (await subscriptions()) === 2 ? true : undefined,
    );

    const pushed = (n: number) =>
      waitFor(`change ${n} pushed`, () => (viewer.results.length === n ? true : undefined));
    await sys.gw.data(SIGN_UP, { id: watched }, a.token);
    await pushed(1);
    // Already signed up: no change, nothing published (b's change, on the same partition, comes next).
    await sys.gw.data(SIGN_UP, { id: watched }, a.token);
    await sys.gw.data(SIGN_UP, { id: watched }, b.token);
    await pushed(2);
    await sys.gw.data(WITHDRAW, { id: watched }, a.token);
    await pushed(3);
    const frames = viewer.results.map(shiftChangeOf);
    expect(viewer.results.every((r) => r.errors === undefined)).toBe(true);
    expect(frames.map((f) => [f.event, f.shift.taken])).toEqual([
      ['ShiftSlotsChanged', 1],
      ['ShiftSlotsChanged', 2],
      ['ShiftSlotsChanged', 1],
    ]);
    expect(frames[0]!.shift).toEqual({
      id: watched,
      slots: 3,
      taken: 1,
      opportunity: { title: 'Clean the square' },
    });
    expect(frames.every((f) => f.position.startsWith('volunteers.opportunity.v1:'))).toBe(true);
    expect(new Set(frames.map((f) => f.position)).size).toBe(3);
    // One event per change, counts only: no volunteer in them.
    const events = await outbox(watched);
    expect(events.map((e) => [e.type, e.data.taken])).toEqual([
      ['ShiftSlotsChanged', 1],
      ['ShiftSlotsChanged', 2],
      ['ShiftSlotsChanged', 1],
    ]);
    expect(JSON.stringify(events)).not.toContain(a.residentId);
    expect(JSON.stringify(events)).not.toContain(b.residentId);

    await sys.gw.data(SIGN_UP, { id: other }, b.token);
    await waitFor('the other shift changes', () => (elsewhere.results.length ? true : undefined));
    expect(elsewhere.results.map((r) => shiftChangeOf(r).shift.id)).toEqual([other]);
    expect(viewer.results).toHaveLength(3);
  });

  it("when a lead approves a volunteer's hours, then the volunteer (over SSE) and leads get the approved record once, and nobody hears of another volunteer's", async () => {
    const [me, someoneElse] = [await volunteer(), await volunteer()];
    const [shift] = (await shifts('Visit the elderly', [1])) as [string];
    const mine = await sseSubscribe(sys.gw.url, me.token, HOURS_SUBSCRIPTION, {
      residentId: me.residentId,
    });
    open.push(mine);
    expect(mine.status).toBe(200);
    const asLead = ws(lead, HOURS_SUBSCRIPTION, { residentId: me.residentId });
    const otherLead = ws(
      await sys.gw.token(['volunteer_lead'], { sub: 'lead-elsewhere' }),
      HOURS_SUBSCRIPTION,
      { residentId: me.residentId },
    );
    await waitFor('three subscriptions open', async () =>
      (await subscriptions()) === 3 ? true : undefined,
    );

    const record = async (v: { residentId: string; token: string }) => {
      await sys.gw.data(SIGN_UP, { id: shift }, v.token);
      const pass = { id: shift, r: v.residentId };
      await sys.gw.data(
        `mutation($id: ID!, $r: ID!) { checkInVolunteer(input: { shiftId: $id, residentId: $r }) { id } }`,
        pass,
        lead,
      );
      return dataOf<{ id: string }>(
        await sys.gw.query(
          `mutation($id: ID!, $r: ID!) { checkOutVolunteer(input: { shiftId: $id, residentId: $r }) { id } }`,
          pass,
          lead,
        ),
        'checkOutVolunteer',
      ).id;
    };
    const approve = (serviceRecordId: string) =>
      sys.gw.data(
        `mutation($s: ID!) { approveHours(input: { serviceRecordId: $s }) { id } }`,
        { s: serviceRecordId },
        lead,
      );
    const theirs = await record(someoneElse);
    const ours = await record(me);
    await approve(theirs);
    await approve(ours);

    const next = () => mine.frames.filter((f) => f.event === 'next');
    await waitFor('the approval pushed to all three', () =>
      next().length && asLead.results.length && otherLead.results.length ? true : undefined,
    );
    const change = hoursChangeOf(JSON.parse(next()[0]!.data));
    expect(change).toMatchObject({
      event: 'VolunteerServiceApproved',
      serviceRecord: { id: ours, hours: 0.25, status: 'APPROVED', shift: { id: shift } },
    });
    expect(next()[0]!.id).toBe(change.position);
    expect(change.position.startsWith('volunteers.service.v1:')).toBe(true);
    expect(asLead.results.map(hoursChangeOf)).toEqual([change]);
    expect(otherLead.results.map(hoursChangeOf)).toEqual([change]);
    // Published once for the approval (the record is the aggregate), never twice.
    expect((await outbox(ours)).map((e) => e.type)).toEqual(['VolunteerServiceApproved']);
    // someoneElse's approval came first on the same topic and reached none of them.
    expect(next()).toHaveLength(1);
  });

  it("when another resident or an anonymous caller subscribes to a volunteer's hours, then it is refused at subscribe time: FORBIDDEN, UNAUTHENTICATED", async () => {
    const me = await volunteer();
    const stranger = await volunteer();
    const forbiddenWs = ws(stranger.token, HOURS_SUBSCRIPTION, { residentId: me.residentId });
    const gridMember = ws(
      await sys.gw.token(['grid_member'], { sub: 'member-x', gridIds: [randomUUID()] }),
      HOURS_SUBSCRIPTION,
      { residentId: me.residentId },
    );
    const anonymous = ws(undefined, HOURS_SUBSCRIPTION, { residentId: me.residentId });
    await waitFor('all three refused', () =>
      forbiddenWs.errors.length && gridMember.errors.length && anonymous.closed ? true : undefined,
    );
    expect(JSON.stringify(forbiddenWs.errors)).toContain('FORBIDDEN');
    expect(JSON.stringify(gridMember.errors)).toContain('FORBIDDEN');
    expect(anonymous.closed!.code).toBe(4401);

    const forbiddenSse = await sseSubscribe(sys.gw.url, stranger.token, HOURS_SUBSCRIPTION, {
      residentId: me.residentId,
    });
    expect(forbiddenSse.status).toBe(403);
    expect(
      (
        JSON.parse(forbiddenSse.frames[0]!.data) as { errors: { extensions: { code: string } }[] }
      ).errors.map((e) => e.extensions.code),
    ).toEqual(['FORBIDDEN']);
    const res = await fetch(sys.gw.url.replace(/\/graphql$/, '/graphql/stream'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: HOURS_SUBSCRIPTION, variables: { residentId: me.residentId } }),
    });
    expect(res.status).toBe(401);
    expect(
      ((await res.json()) as { errors: { extensions: { code: string } }[] }).errors.map(
        (e) => e.extensions.code,
      ),
    ).toEqual(['UNAUTHENTICATED']);
    expect(await subscriptions()).toBe(0);
  });
});
