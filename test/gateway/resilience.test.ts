import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@liyuan/kit';
import { composeSupergraph } from '../../schemas/compose-lib';
import { startHttpProxy, type HttpProxy } from '../support/http-proxy';
import {
  REGISTER_RESIDENT,
  dataOf,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import {
  startTestGateway,
  startTestService,
  type TestGateway,
  type TestService,
} from '../support/stack';
import { capturingLogger } from '../support/system';
import { waitFor } from '../support/wait';

const TIMEOUT_MS = 1000;

/**
 * A failing, slow or restarting subgraph through the real gateway: partial answers naming the
 * subgraph, retries of queries only, a timeout per call, a circuit breaker, and automatic recovery;
 * and a supergraph changed on disk loaded without a restart.
 */
describe('gateway resilience', () => {
  let residents: TestService;
  let facilities: TestService;
  let proxy: HttpProxy;
  let gw: TestGateway;
  let staff: string;
  let residentId: string;

  beforeAll(async () => {
    [residents, facilities] = await Promise.all([
      startTestService('residents'),
      startTestService('facilities'),
    ]);
    proxy = await startHttpProxy(facilities.service.url);
    gw = await startTestGateway(
      { residents: residents.service, facilities: { url: proxy.url } },
      {
        env: {
          SUBGRAPH_TIMEOUT_MS: String(TIMEOUT_MS),
          SUBGRAPH_RETRIES: '2',
          SUBGRAPH_RETRY_BACKOFF_MS: '20',
          SUBGRAPH_BREAKER_FAILURES: '3',
          SUBGRAPH_BREAKER_COOLDOWN_MS: '500',
        },
      },
    );
    staff = await gw.token(['staff']);
    // The data is written through a gateway with the default timeout: a fresh subgraph's first
    // writes on a busy machine can take longer than the short timeout under test here.
    const seeder = await startTestGateway({
      residents: residents.service,
      facilities: facilities.service,
    });
    try {
      const { householdId } = await seedHousehold((q, v) => seeder.query(q, v, staff));
      residentId = dataOf<{ id: string }>(
        await seeder.query(REGISTER_RESIDENT, { input: residentInput(householdId) }, staff),
        'registerResident',
      ).id;
    } finally {
      await seeder.stop();
    }
  });
  afterAll(async () => {
    await gw.stop();
    await proxy.close();
    await Promise.all([residents.stop(), facilities.stop()]);
  });

  const WHOLE = `query($id: ID!) { resident(id: $id) { name bookings { edges { node { id } } } } }`;
  const whole = () =>
    gw.query<{ resident: { name: string; bookings: { edges: unknown[] } | null } }>(
      WHOLE,
      { id: residentId },
      staff,
    );
  const healthy = async () => {
    proxy.mode = 'pass';
    await waitFor('facilities served again', async () => {
      const res = await whole();
      return !res.errors && res.data?.resident.bookings ? true : undefined;
    });
  };

  it('when a subgraph fails, then queries not touching it are whole, those touching it get the rest plus an error naming it, and it recovers by itself', async () => {
    proxy.mode = 'fail502';
    const partial = await whole();
    expect(partial.status).toBe(200);
    expect(partial.data).toEqual({ resident: { name: 'Wen Shuyi', bookings: null } });
    expect(partial.errors?.[0]).toMatchObject({
      message: expect.stringContaining('facilities'),
      extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
    });
    const untouched = await gw.query(
      `query($id: ID!) { resident(id: $id) { name age } }`,
      { id: residentId },
      staff,
    );
    expect(untouched.errors).toBeUndefined();
    await healthy();
    expect((await whole()).data).toEqual({
      resident: { name: 'Wen Shuyi', bookings: { edges: [] } },
    });
  });

  it('when a subgraph is not running at all, then its fields are null with an error naming it and the rest arrives', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/graphql`;
    const down = await startTestGateway(
      { residents: residents.service, facilities: { url: closed } },
      { env: { SUBGRAPH_RETRIES: '1', SUBGRAPH_RETRY_BACKOFF_MS: '10' } },
    );
    try {
      const res = await down.query<{ resident: unknown }>(WHOLE, { id: residentId }, staff);
      expect(res.status).toBe(200);
      expect(res.data).toEqual({ resident: { name: 'Wen Shuyi', bookings: null } });
      expect(res.errors?.[0]).toMatchObject({
        message: 'the facilities subgraph is unavailable (unreachable)',
        extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
      });
    } finally {
      await down.stop();
    }
  });

  it('when a subgraph answers 5xx twice, then a query is retried and succeeds, but a mutation is sent once', async () => {
    await healthy();
    let before = proxy.hits;
    proxy.failNext(2);
    const res = await whole();
    expect(res.errors).toBeUndefined();
    expect(proxy.hits - before).toBe(3);

    const manager = await gw.token(['facility_manager']);
    before = proxy.hits;
    proxy.failNext(1);
    const mutation = await gw.query(
      `mutation { addFacility(input: { name: "Retry Room", kind: ACTIVITY_ROOM, capacity: 10, opensAt: "08:00", closesAt: "20:00", location: "X" }) { id } }`,
      {},
      manager,
    );
    expect(mutation.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(proxy.hits - before).toBe(1);
    const rooms = (await facilities.service.db.dataSource.query(
      `SELECT count(*)::int AS n FROM facilities WHERE name = 'Retry Room'`,
    )) as { n: number }[];
    expect(rooms[0]!.n).toBe(0);
  });

  it('when a subgraph hangs, then the request costs at most its timeout plus a margin and is not retried', async () => {
    await healthy();
    proxy.mode = 'hang';
    const before = proxy.hits;
    const started = Date.now();
    const res = await whole();
    const elapsed = Date.now() - started;
    expect(res.data).toEqual({ resident: { name: 'Wen Shuyi', bookings: null } });
    expect(res.errors?.[0]?.message).toMatch(/facilities.*no answer within 1000 ms/);
    expect(proxy.hits - before).toBe(1);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 2000);
    await healthy();
  });

  it('when a subgraph keeps failing, then the circuit opens and requests fail fast without reaching it, until a trial succeeds', async () => {
    await healthy();
    proxy.mode = 'fail502';
    for (let i = 0; i < 3; i++) await whole();
    const before = proxy.hits;
    const fast = await whole();
    expect(fast.errors?.[0]?.message).toMatch(/facilities.*circuit open/);
    expect(proxy.hits).toBe(before);
    await healthy();
  });

  it('when the supergraph file changes, then the gateway serves the new one without a restart, and keeps the old one when the new one is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liyuan-supergraph-'));
    const path = join(dir, 'supergraph.graphql');
    writeFileSync(path, composeSupergraph(['residents']));
    const captured = capturingLogger('gateway');
    const reloading = await startTestGateway(
      { residents: residents.service, facilities: facilities.service },
      { logger: captured.logger, env: { SUPERGRAPH_PATH: path, SUPERGRAPH_POLL_MS: '100' } },
    );
    try {
      const ask = () => reloading.query(WHOLE, { id: residentId }, staff);
      expect((await ask()).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      writeFileSync(path, composeSupergraph(['residents', 'facilities']));
      await waitFor('the new supergraph served', async () =>
        (await ask()).errors ? undefined : true,
      );
      writeFileSync(path, 'this is not a supergraph');
      await waitFor('the broken file refused', () =>
        captured.lines.some((l) => l.msg === 'supergraph reload failed; serving the previous one')
          ? true
          : undefined,
      );
      const still = await ask();
      expect(still.errors).toBeUndefined();
      expect(still.data).toEqual({ resident: { name: 'Wen Shuyi', bookings: { edges: [] } } });
    } finally {
      await reloading.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
