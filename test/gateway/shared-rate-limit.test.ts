import { SharedRateLimiter } from '../../gateway/src/rate-limit';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { silentLogger } from '../support/stack';
import {
  startTestGateway,
  startTestService,
  type TestGateway,
  type TestService,
} from '../support/stack';

/** What one request answers: its HTTP status and, when refused, the error code. */
async function ask(
  gw: TestGateway,
  headers: Record<string, string> = {},
): Promise<{ status: number; code?: string }> {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    // Answered by the gateway alone: the limit is taken before any subgraph is called.
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
  return { status: res.status, code: body.errors?.[0]?.extensions?.code };
}

/**
 * The per-caller rate limit held across gateway replicas (buckets in PostgreSQL) and the client
 * address behind a trusted proxy, through two real gateways.
 */
describe('the rate limit across gateway replicas', () => {
  let residents: TestService;
  let db: TestDatabase;
  const gateways: TestGateway[] = [];
  // One token a minute: however slow the machine, no request earns a refill during the test.
  const limit = { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '5' };

  beforeAll(async () => {
    residents = await startTestService('residents');
    db = await createTestDatabase('gateway_limits');
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await residents.stop();
    await db.drop();
  });
  const start = async (env: Record<string, string>) => {
    const gw = await startTestGateway(
      { residents: residents.service },
      { env: { ...limit, ...env } },
    );
    gateways.push(gw);
    return gw;
  };

  it('when one caller alternates between two replicas sharing the buckets, then it gets the burst once, not once per replica', async () => {
    const shared = { RATE_LIMIT_DATABASE_URL: db.url };
    const [a, b] = [await start(shared), await start(shared)];
    const token = await a.token(['staff'], { sub: 'busy-across-replicas' });
    const auth = { authorization: `Bearer ${token}` };
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await ask(i % 2 ? b : a, auth));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(5);
    expect(answers.slice(5)).toEqual(Array(5).fill({ status: 429, code: 'RATE_LIMITED' }));
    // Another caller has a bucket of its own on either replica.
    const calm = { authorization: `Bearer ${await b.token(['staff'], { sub: 'calm' })}` };
    expect(await ask(b, calm)).toEqual({ status: 200 });
  });

  it('when many requests of one caller arrive at both replicas at once, then no more than the burst pass', async () => {
    const shared = { RATE_LIMIT_DATABASE_URL: db.url };
    const [a, b] = [await start(shared), await start(shared)];
    const token = await a.token(['staff'], { sub: 'concurrent-caller' });
    const auth = { authorization: `Bearer ${token}` };
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => ask(i % 2 ? b : a, auth)),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(5);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(25);
  });

  it('when the replicas count alone (no shared database), then the same caller gets the burst from each', async () => {
    const [a, b] = [await start({}), await start({})];
    const token = await a.token(['staff'], { sub: 'counted-per-replica' });
    const auth = { authorization: `Bearer ${token}` };
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await ask(i % 2 ? b : a, auth));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(10);
  });

  it('when anonymous callers come through a trusted proxy, then each client address has its own bucket; from an untrusted peer the header is ignored', async () => {
    const behindIngress = await start({ TRUSTED_PROXIES: '127.0.0.1,10.0.0.0/8' });
    const forwarded = (client: string) => ({ 'x-forwarded-for': `${client}, 10.1.2.3` });
    const first = [];
    for (let i = 0; i < 6; i++) first.push(await ask(behindIngress, forwarded('203.0.113.5')));
    expect(first.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    // Another client behind the same ingress is not limited by the first one's requests.
    expect(await ask(behindIngress, forwarded('203.0.113.6'))).toEqual({ status: 200 });

    const direct = await start({ TRUSTED_PROXIES: '10.0.0.0/8' });
    const spoofed = [];
    for (let i = 0; i < 6; i++) spoofed.push(await ask(direct, forwarded(`198.51.100.${i + 1}`)));
    // The peer (127.0.0.1) is not a trusted proxy: a caller cannot pick a new bucket per request.
    expect(spoofed.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('when replicas start together on an empty database, then both create the buckets’ table and draw from one bucket', async () => {
    const fresh = await createTestDatabase('gateway_limits_race');
    const replicas = [1, 2].map(() => new SharedRateLimiter(fresh.url, 1, 3, silentLogger()));
    try {
      const waits = await Promise.all(
        Array.from({ length: 8 }, (_, i) => replicas[i % 2]!.take('user:racing')),
      );
      expect(waits.filter((w) => w === 0)).toHaveLength(3);
      expect(waits.filter((w) => w > 0)).toHaveLength(5);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
      await fresh.drop();
    }
  });
});
