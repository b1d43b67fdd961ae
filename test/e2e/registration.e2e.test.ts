import { RESIDENTS_TOPICS } from '@liyuan/schemas';
import { issueToken } from '../../gateway/src/auth';
import { TEST_SECRETS } from '../support/config';
import { collectTopics, type Received } from '../support/kafka';
import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { startTestGateway, startTestResidents, type TestGateway } from '../support/stack';
import { waitFor } from '../support/wait';

/** Through the gateway, across the residents subgraph, PostgreSQL and Kafka. */
describe('registering a resident through the gateway', () => {
  let residents: Awaited<ReturnType<typeof startTestResidents>>;
  let gw: TestGateway;
  let staffToken: string;
  let collector: { messages: Received[]; stop(): Promise<void> };

  beforeAll(async () => {
    residents = await startTestResidents();
    gw = await startTestGateway({ residents: residents.service });
    staffToken = await gw.token(['staff']);
    collector = await collectTopics([RESIDENTS_TOPICS.resident]);
  });
  afterAll(async () => {
    await collector.stop();
    await gw.stop();
    await residents.stop();
  });

  const asStaff = (q: string, v?: Record<string, unknown>) => gw.query(q, v, staffToken);

  it('when staff register a resident, then exactly one ResidentRegistered with the full envelope reaches Kafka', async () => {
    const { householdId, gridId } = await seedHousehold(asStaff);
    const input = residentInput(householdId);
    const resident = dataOf<{ id: string; name: string; household: { id: string } }>(
      await asStaff(REGISTER_RESIDENT, { input }),
      'registerResident',
    );
    expect(resident.name).toBe(input.name);

    const mine = () => collector.messages.filter((m) => m.key === resident.id);
    const [event] = await waitFor('the ResidentRegistered event', () =>
      mine().length ? mine() : undefined,
    );
    expect(event!.value).toMatchObject({
      type: 'ResidentRegistered',
      version: 1,
      source: 'residents',
      aggregateId: resident.id,
      data: {
        residentId: resident.id,
        householdId,
        gridId,
        status: 'active',
        residencyType: 'registered',
        tags: ['elderly_living_alone'],
      },
    });
    expect(event!.value.id).toEqual(event!.headers['event-id']);
    expect(event!.headers['event-type']).toBe('ResidentRegistered');
    expect(event!.value.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(event!.headers.traceparent).toBe(event!.value.traceparent);
    expect(new Date(String(event!.value.occurredAt)).getTime()).not.toBeNaN();
    const text = JSON.stringify(event!.value);
    expect(text).not.toContain(String(input.idCardNumber));
    expect(text).not.toContain(String(input.phone));

    // Give the relay every chance to publish a duplicate before counting: wait until its row is sent.
    await waitFor('the outbox row marked sent', async () => {
      const rows = (await residents.service.db.dataSource.query(
        `SELECT sent_at FROM outbox_events WHERE aggregate_id = $1`,
        [resident.id],
      )) as { sent_at: Date | null }[];
      return rows.every((r) => r.sent_at) ? true : undefined;
    });
    expect(mine()).toHaveLength(1);
  });

  it('when a staff token asks for the first residents, then the gateway answers with their households', async () => {
    const { householdId } = await seedHousehold(asStaff);
    dataOf(
      await asStaff(REGISTER_RESIDENT, {
        input: residentInput(householdId, { name: 'Aaa First' }),
      }),
      'registerResident',
    );
    const res = await asStaff(
      `{ residents(first: 5) { edges { node { id name household { address } } } } }`,
    );
    const edges = (
      res.data as {
        residents: { edges: { node: { name: string; household: { address: string } } }[] };
      }
    ).residents.edges;
    expect(edges.length).toBeGreaterThan(0);
    expect(edges[0]!.node.household.address).toMatch(/Unit 1, Room/);
  });

  it('when the caller is anonymous, then public grids are served and residents are refused', async () => {
    const grids = await gw.query(`{ grids { id name } }`);
    expect(grids.status).toBe(200);
    expect(Array.isArray((grids.data as { grids: unknown[] }).grids)).toBe(true);
    const res = await gw.query(`{ residents { totalCount } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('when the token is forged or expired, then the gateway answers 401 UNAUTHENTICATED', async () => {
    const forged = `${staffToken.slice(0, -4)}AAAA`;
    const res = await gw.query(`{ grids { id } }`, {}, forged);
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const expired = await issueToken(
      { secret: TEST_SECRETS.jwt, issuer: 'liyuan-dev', audience: 'liyuan-community' },
      { sub: 'u', roles: ['staff'] },
      '-1m',
    );
    const res2 = await gw.query(`{ grids { id } }`, {}, expired);
    expect(res2.status).toBe(401);
    expect(res2.errors?.[0]?.message).toBe('token expired');
  });
});
