import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@liyuan/kit';
import { SUPERGRAPH_PATH } from '../../schemas/compose-lib';
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
import { capturingLogger, type LogLine } from '../support/system';
import { waitFor } from '../support/wait';

/**
 * Rolling out one piece at a time under a steady load through the gateway: a compatible supergraph
 * swapped on disk costs no request; a subgraph restarted costs only the fields it serves, and the
 * gateway serves it again as soon as it is back.
 */
describe('independent rollout under load', () => {
  let residents: TestService;
  let facilities: TestService;
  let facilitiesAgain: TestService | undefined;
  let facilitiesPort: number;
  let gw: TestGateway;
  let gatewayLogs: LogLine[];
  let dir: string;
  let path: string;
  let staff: string;
  let residentId: string;

  beforeAll(async () => {
    facilitiesPort = await freePort();
    [residents, facilities] = await Promise.all([
      startTestService('residents'),
      startTestService('facilities', { env: { PORT: String(facilitiesPort) } }),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'liyuan-rollout-'));
    path = join(dir, 'supergraph.graphql');
    writeFileSync(path, readFileSync(SUPERGRAPH_PATH, 'utf8'));
    const captured = capturingLogger('gateway');
    gatewayLogs = captured.lines;
    gw = await startTestGateway(
      { residents: residents.service, facilities: facilities.service },
      {
        logger: captured.logger,
        env: {
          SUPERGRAPH_PATH: path,
          SUPERGRAPH_POLL_MS: '100',
          SUBGRAPH_BREAKER_COOLDOWN_MS: '300',
          SUBGRAPH_RETRIES: '1',
        },
      },
    );
    staff = await gw.token(['staff']);
    const { householdId } = await seedHousehold((q, v) => gw.query(q, v, staff));
    residentId = dataOf<{ id: string }>(
      await gw.query(REGISTER_RESIDENT, { input: residentInput(householdId) }, staff),
      'registerResident',
    ).id;
  });
  afterAll(async () => {
    await gw.stop();
    await residents.stop();
    if (facilitiesAgain) {
      await facilitiesAgain.service.stop();
      await facilitiesAgain.database.drop();
    } else await facilities.service.stop();
    await facilities.database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `query` from 4 clients until stopped; records each answer as ok or failed. */
  const load = (query: string) => {
    const results = { ok: 0, failed: [] as string[] };
    let running = true;
    const worker = async () => {
      while (running) {
        const res = await gw.query(query, { id: residentId }, staff).catch((e: unknown) => ({
          status: 0,
          errors: [{ message: String(e) }],
        }));
        if (res.status === 200 && !res.errors) results.ok += 1;
        else results.failed.push(`${res.status} ${res.errors?.[0]?.message ?? ''}`);
      }
    };
    const workers = Array.from({ length: 4 }, () => worker());
    return {
      results,
      stop: async () => {
        running = false;
        await Promise.all(workers);
        return results;
      },
    };
  };
  const RESIDENTS_ONLY = `query($id: ID!) { resident(id: $id) { name age } grids { id } }`;
  const WITH_BOOKINGS = `query($id: ID!) { resident(id: $id) { name bookings { edges { node { id } } } } }`;

  it('when a compatible supergraph replaces the served one under load, then not one request fails', async () => {
    const steady = load(WITH_BOOKINGS);
    await waitFor('load under way', () => (steady.results.ok >= 50 ? true : undefined));
    // A compatible change: documentation only, the plan and the subgraphs stay valid.
    writeFileSync(
      path,
      readFileSync(SUPERGRAPH_PATH, 'utf8').replace('"Full name."', '"Full name, as registered."'),
    );
    await waitFor('the new supergraph loaded', () =>
      gatewayLogs.some((l) => l.msg === 'supergraph reloaded') ? true : undefined,
    );
    const before = steady.results.ok;
    await waitFor('more load after the swap', () =>
      steady.results.ok >= before + 50 ? true : undefined,
    );
    const results = await steady.stop();
    expect(results.failed).toEqual([]);
    process.stdout.write(
      `rollout: supergraph swapped under load, ${results.ok} requests, 0 failed\n`,
    );
  });

  it('when one subgraph restarts under load, then queries not touching it never fail and it is served again as soon as it is back', async () => {
    const untouched = load(RESIDENTS_ONLY);
    const touching = load(WITH_BOOKINGS);
    await waitFor('load under way', () => (touching.results.ok >= 20 ? true : undefined));
    await facilities.service.stop();
    const failedBefore = touching.results.failed.length;
    await waitFor('its fields failing while it is away', () =>
      touching.results.failed.length > failedBefore + 5 ? true : undefined,
    );
    facilitiesAgain = await startTestService('facilities', {
      env: { PORT: String(facilitiesPort), DATABASE_URL: facilities.database.url },
    });
    const backAt = Date.now();
    const okBefore = touching.results.ok;
    await waitFor('served again', () => (touching.results.ok > okBefore + 20 ? true : undefined));
    const recovery = Date.now() - backAt;
    const [a, b] = await Promise.all([untouched.stop(), touching.stop()]);
    expect(a.failed).toEqual([]);
    expect(b.failed.every((f) => f.includes('facilities subgraph is unavailable'))).toBe(true);
    process.stdout.write(
      `rollout: facilities restarted under load; ${a.ok} residents-only requests, 0 failed; ${b.failed.length} of ${b.ok + b.failed.length} touching it failed while it was away; served again ${recovery} ms after it was back\n`,
    );
  });
});
