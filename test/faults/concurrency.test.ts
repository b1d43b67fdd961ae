import { randomUUID } from 'node:crypto';
import {
  startTestGateway,
  startTestService,
  type GqlResult,
  type TestGateway,
  type TestService,
} from '../support/stack';
import { waitFor } from '../support/wait';
import { inDaysAt } from '../support/time';
import { testKafka } from '../support/kafka';
import { announceResidents } from '../support/references';

const AT_ONCE = 50;
const codes = (results: GqlResult[]) => {
  const tally: Record<string, number> = {};
  for (const r of results) {
    const code = r.errors ? (r.errors[0]?.extensions?.code ?? 'UNKNOWN') : 'OK';
    tally[code] = (tally[code] ?? 0) + 1;
  }
  return tally;
};

/**
 * The invariants the databases enforce, each attacked by 50 concurrent requests through the gateway:
 * no double booking, no registration past capacity, no negative time-bank balance, no second party
 * membership.
 */
describe('invariants under 50 concurrent requests', () => {
  let facilities: TestService;
  let spaces: TestService;
  let volunteers: TestService;
  let gw: TestGateway;
  let staff: string;
  let secretary: string;
  const resident = (id = randomUUID()) =>
    gw.token(['resident'], { residentId: id, sub: `resident-${id}` });
  const q = <T>(query: string, variables: Record<string, unknown>, token: string) =>
    gw.data<T>(query, variables, token);
  const sql = async (s: TestService, text: string, params: unknown[]) =>
    ((await s.service.db.dataSource.query(text, params)) as { n: number }[])[0]!.n;
  let room: string;
  const producer = testKafka().producer();

  beforeAll(async () => {
    await producer.connect();
    [facilities, spaces, volunteers] = await Promise.all([
      startTestService('facilities'),
      startTestService('shared-spaces'),
      startTestService('volunteers'),
    ]);
    gw = await startTestGateway({
      facilities: facilities.service,
      'shared-spaces': spaces.service,
      volunteers: volunteers.service,
    });
    await Promise.all([
      facilities.service.eventsReady,
      spaces.service.eventsReady,
      volunteers.service.eventsReady,
    ]);
    staff = await gw.token(['staff']);
    secretary = await gw.token(['party_secretary']);
    room = (
      await q<{ addFacility: { id: string } }>(
        `mutation { addFacility(input: { name: "Dance Room", kind: DANCE_ROOM, capacity: 60, opensAt: "08:00", closesAt: "21:00", location: "Block B" }) { id } }`,
        {},
        staff,
      )
    ).addFacility.id;
  });
  afterAll(async () => {
    await gw.stop();
    await producer.disconnect();
    await Promise.all([facilities.stop(), spaces.stop(), volunteers.stop()]);
  });

  it('when 50 residents book the same slot at once, then one booking is confirmed', async () => {
    const tokens = await Promise.all(Array.from({ length: AT_ONCE }, () => resident()));
    const results = await Promise.all(
      tokens.map((t) =>
        gw.query(
          `mutation($f: ID!, $a: DateTime!, $b: DateTime!) { bookFacility(input: { facilityId: $f, startsAt: $a, endsAt: $b, attendees: 10, purpose: "Square dance" }) { id } }`,
          { f: room, a: inDaysAt(6, 18), b: inDaysAt(6, 20) },
          t,
        ),
      ),
    );
    expect(codes(results)).toEqual({ OK: 1, CONFLICT: AT_ONCE - 1 });
    expect(
      await sql(
        facilities,
        `SELECT count(*)::int AS n FROM bookings WHERE facility_id = $1 AND status = 'confirmed'`,
        [room],
      ),
    ).toBe(1);
  });

  it('when 50 residents register at once for an activity of 5 places, then 5 are registered', async () => {
    const space = (
      await q<{ createSharedSpace: { id: string } }>(
        `mutation($f: ID!) { createSharedSpace(input: { name: "Culture Hall", theme: CULTURE_AND_ENTERTAINMENT, facilityId: $f }) { id } }`,
        { f: room },
        secretary,
      )
    ).createSharedSpace.id;
    const activity = (
      await q<{ scheduleActivity: { id: string } }>(
        `mutation($s: ID!, $a: DateTime!, $b: DateTime!) { scheduleActivity(input: { spaceId: $s, title: "Opera evening",
          startsAt: $a, endsAt: $b, capacity: 5 }) { id } }`,
        { s: space, a: inDaysAt(7, 18), b: inDaysAt(7, 20) },
        secretary,
      )
    ).scheduleActivity.id;
    await waitFor('the venue confirmed', async () => {
      const a = await q<{ activity: { status: string } }>(
        `query($id: ID!) { activity(id: $id) { status } }`,
        { id: activity },
        secretary,
      );
      return a.activity.status === 'CONFIRMED' ? true : undefined;
    });
    const tokens = await Promise.all(Array.from({ length: AT_ONCE }, () => resident()));
    const results = await Promise.all(
      tokens.map((t) =>
        gw.query(
          `mutation($a: ID!) { registerForActivity(input: { activityId: $a }) { id } }`,
          { a: activity },
          t,
        ),
      ),
    );
    expect(codes(results)).toEqual({ OK: 5, CONFLICT: AT_ONCE - 5 });
    expect(
      await sql(
        spaces,
        `SELECT count(*)::int AS n FROM registrations WHERE activity_id = $1 AND status = 'registered'`,
        [activity],
      ),
    ).toBe(5);
  });

  it('when one volunteer redeems 10 points 50 times at once from a balance of 20, then 2 succeed and the balance is 0', async () => {
    const residentId = randomUUID();
    const me = await resident(residentId);
    await q(`mutation { registerVolunteer(input: {}) { id } }`, {}, me);
    const activity = randomUUID();
    // Two hours of service, logged and approved: 20 points.
    await volunteers.service.db.dataSource.query(
      `INSERT INTO service_records (id, volunteer_id, activity_id, hours, served_on)
       SELECT $1, id, $2, 2, now() FROM volunteers WHERE resident_id = $3`,
      [randomUUID(), activity, residentId],
    );
    const [record] = (await volunteers.service.db.dataSource.query(
      `SELECT id FROM service_records WHERE activity_id = $1`,
      [activity],
    )) as { id: string }[];
    await q(
      `mutation($s: ID!) { approveHours(input: { serviceRecordId: $s }) { id } }`,
      { s: record!.id },
      staff,
    );
    const results = await Promise.all(
      Array.from({ length: AT_ONCE }, (_, i) =>
        gw.query(
          `mutation($r: String!) { redeemPoints(input: { points: 10, reference: $r }) }`,
          { r: `canteen-${i}` },
          me,
        ),
      ),
    );
    expect(codes(results)).toEqual({ OK: 2, CONFLICT: AT_ONCE - 2 });
    expect(
      await sql(
        volunteers,
        `SELECT t.balance_after AS n FROM time_bank t JOIN volunteers v ON v.id = t.volunteer_id
          WHERE v.resident_id = $1 ORDER BY t.id DESC LIMIT 1`,
        [residentId],
      ),
    ).toBe(0);
    expect(
      await sql(volunteers, `SELECT count(*)::int AS n FROM time_bank WHERE balance_after < 0`, []),
    ).toBe(0);
  });

  it('when a resident is registered as a party member 50 times at once, then one membership exists', async () => {
    const branch = (
      await q<{ createPartyBranch: { id: string } }>(
        `mutation { createPartyBranch(input: { name: "Courtyard 9 Branch", courtyard: true }) { id } }`,
        {},
        secretary,
      )
    ).createPartyBranch.id;
    // A resident the registry announced: shared-spaces accepts only those as members.
    const [residentId] = await announceResidents(producer, spaces.service);
    const results = await Promise.all(
      Array.from({ length: AT_ONCE }, () =>
        gw.query(
          `mutation($r: ID!, $b: ID!) { registerPartyMember(input: { residentId: $r, branchId: $b, joinedOn: "2018-07-01" }) { id } }`,
          { r: residentId, b: branch },
          secretary,
        ),
      ),
    );
    expect(codes(results)).toEqual({ OK: 1, CONFLICT: AT_ONCE - 1 });
    expect(
      await sql(spaces, `SELECT count(*)::int AS n FROM party_members WHERE resident_id = $1`, [
        residentId,
      ]),
    ).toBe(1);
  });
});
