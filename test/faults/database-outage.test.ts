import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/db';
import {
  REGISTER_RESIDENT,
  idCardFor,
  residentInput,
  seedHousehold,
} from '../support/registry-fixtures';
import { caller, callSubgraph, startTestService, type TestService } from '../support/stack';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait';

/**
 * The database goes away under a stream of mutations (every connection dropped, new ones refused)
 * and comes back: the service reports not-ready meanwhile, keeps running, reconnects on its own,
 * and every mutation it acknowledged has its row and its event, and the event is published.
 */
describe('database outage under load', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let residents: TestService;

  beforeAll(async () => {
    database = await createTestDatabase('residents_db_outage');
    const target = new URL(database.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    residents = await startTestService('residents', {
      env: { DATABASE_URL: viaProxy.toString(), OUTBOX_POLL_INTERVAL_MS: '200' },
    });
    await residents.service.eventsReady;
  });
  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await residents.stop();
    await proxy.close();
    await database.drop();
  });

  it('when the database drops out and returns during load, then the service says not ready, recovers by itself and loses no acknowledged write or event', async () => {
    const staff = caller(['staff']);
    const call = (q: string, v?: Record<string, unknown>) =>
      callSubgraph(residents.service, staff, q, v);
    const ready = async () =>
      (await fetch(`http://127.0.0.1:${residents.service.port}/health/ready`)).status;
    const { householdId } = await seedHousehold(call);

    const acknowledged: string[] = [];
    const failures: string[] = [];
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const i = n++;
        const birthDate = `19${String(30 + (i % 60)).padStart(2, '0')}-1${i % 3}-0${1 + (i % 9)}`;
        const res = await call(REGISTER_RESIDENT, {
          input: residentInput(householdId, {
            name: `Steady ${i}`,
            birthDate,
            idCardNumber: idCardFor(birthDate),
          }),
        }).catch((err: unknown) => ({ status: 0, errors: [{ message: String(err) }], data: null }));
        const id = (res.data as { registerResident?: { id: string } } | null)?.registerResident?.id;
        if (id) acknowledged.push(id);
        else failures.push(String(res.errors?.[0]?.message ?? res.status));
      }
    };
    const workers = Array.from({ length: 4 }, () => worker());
    await waitFor('load under way', () => (acknowledged.length >= 30 ? true : undefined));

    await proxy.cut();
    await waitFor('readiness to fail', async () => ((await ready()) === 503 ? true : undefined));
    const body = (await (
      await fetch(`http://127.0.0.1:${residents.service.port}/health/ready`)
    ).json()) as { checks: Record<string, boolean> };
    expect(body.checks.database).toBe(false);
    await waitFor('writes failing while it is gone', () =>
      failures.length >= 5 ? true : undefined,
    );
    const duringOutage = acknowledged.length;
    // The failed writes count as internal errors (what InternalErrorsRatio alerts on), not under
    // the driver's code (ECONNREFUSED), which no rule knows.
    const metrics = await (
      await fetch(`http://127.0.0.1:${residents.service.port}/metrics`)
    ).text();
    const internal = /^graphql_errors_total\{[^}]*code="INTERNAL_SERVER_ERROR"[^}]*\} (\d+)/m.exec(
      metrics,
    );
    expect(Number(internal?.[1] ?? 0)).toBeGreaterThanOrEqual(5);
    expect(metrics).not.toMatch(/^graphql_errors_total\{[^}]*code="E[A-Z]+"/m);

    await proxy.restore();
    await waitFor('ready again', async () => ((await ready()) === 200 ? true : undefined), 60_000);
    await waitFor('writes succeeding again', () =>
      acknowledged.length >= duringOutage + 30 ? true : undefined,
    );
    stop = true;
    await Promise.all(workers);
    expect(failures.every((f) => !/idCardNumber|\d{17}[\dX]/.test(f))).toBe(true);

    const direct = new Client({ connectionString: database.url });
    await direct.connect();
    try {
      const rows = await direct.query<{ id: string; event: boolean }>(
        `SELECT r.id, EXISTS (SELECT 1 FROM outbox_events e WHERE e.type = 'ResidentRegistered' AND e.aggregate_id = r.id::text) AS event
           FROM residents r WHERE r.id = ANY ($1)`,
        [acknowledged],
      );
      expect(rows.rows).toHaveLength(acknowledged.length);
      expect(rows.rows.filter((r) => !r.event)).toEqual([]);
      await waitFor('every event published', async () => {
        const unsent = await direct.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL`,
        );
        return unsent.rows[0]!.n === 0 ? true : undefined;
      });
    } finally {
      await direct.end();
    }
    process.stdout.write(
      `database outage: ${acknowledged.length} writes acknowledged (${failures.length} refused while the database was gone), all with their events published\n`,
    );
  }, 180_000);
});
