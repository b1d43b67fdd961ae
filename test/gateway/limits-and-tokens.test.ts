import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type KeyLike } from 'jose';
import {
  postGraphQL,
  startTestGateway,
  startTestService,
  type TestGateway,
  type TestService,
} from '../support/stack';
import { capturingLogger, type LogLine } from '../support/system';

const ISSUER = 'liyuan-dev';
const AUDIENCE = 'liyuan-community';

/** Every limit, token rule and production switch of the gateway, through the real gateway and residents. */
describe('gateway limits and tokens', () => {
  let residents: TestService;
  let residentLogs: LogLine[];
  let gw: TestGateway;
  let keysDir: string;
  let rs: { privateKey: KeyLike; kid: string };
  let es: { privateKey: KeyLike; kid: string };
  let staff: string;

  beforeAll(async () => {
    const captured = capturingLogger('residents');
    residentLogs = captured.lines;
    residents = await startTestService('residents', { start: { logger: captured.logger } });
    keysDir = mkdtempSync(join(tmpdir(), 'liyuan-jwks-'));
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    rs = { privateKey: rsa.privateKey, kid: 'rsa-1' };
    es = { privateKey: ec.privateKey, kid: 'ec-1' };
    const jwks = {
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ],
    };
    writeFileSync(join(keysDir, 'jwks.json'), JSON.stringify(jwks));
    gw = await startTestGateway(
      { residents: residents.service },
      {
        env: {
          JWKS_PATH: join(keysDir, 'jwks.json'),
          MAX_DEPTH: '6',
          MAX_ALIASES: '5',
          MAX_TOKENS: '400',
          MAX_DIRECTIVES: '4',
          MAX_COST: '100',
          // The test tokens live 12 h: exactly the longest this gateway accepts.
          JWT_MAX_LIFETIME_SECONDS: '43200',
        },
      },
    );
    staff = await gw.token(['staff']);
  });
  afterAll(async () => {
    await gw.stop();
    await residents.stop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  const sign = (
    key: { privateKey: KeyLike; kid: string },
    alg: 'RS256' | 'ES256',
    claims: Record<string, unknown> = {},
    opts: {
      issuer?: string;
      audience?: string;
      /** An `exp` (jose's forms), or null for none. */
      expires?: string | number | null;
      /** An `iat` in seconds since the epoch (now by default), or null for none. */
      issuedAt?: number | null;
    } = {},
  ) => {
    const jwt = new SignJWT({ roles: ['staff'], ...claims })
      .setProtectedHeader({ alg, kid: key.kid })
      .setSubject('jwks-user')
      .setIssuer(opts.issuer ?? ISSUER)
      .setAudience(opts.audience ?? AUDIENCE);
    if (opts.issuedAt !== null) jwt.setIssuedAt(opts.issuedAt);
    if (opts.expires !== null) jwt.setExpirationTime(opts.expires ?? '5m');
    return jwt.sign(key.privateKey);
  };
  const ask = (query: string, token?: string, variables: Record<string, unknown> = {}) =>
    gw.query(query, variables, token);
  const subgraphCalls = () => residentLogs.filter((l) => l.msg === 'graphql operation').length;

  it('when RS256 and ES256 tokens from the key set arrive, then they are accepted; bad ones get UNAUTHENTICATED', async () => {
    for (const token of [await sign(rs, 'RS256'), await sign(es, 'ES256'), staff]) {
      const res = await ask('{ grids { id } }', token);
      expect({ status: res.status, errors: res.errors }).toEqual({
        status: 200,
        errors: undefined,
      });
    }
    const other = await generateKeyPair('RS256');
    const bad = [
      await sign(rs, 'RS256', {}, { expires: Math.floor(Date.now() / 1000) - 60 }),
      await sign(rs, 'RS256', {}, { audience: 'someone-else' }),
      await sign(es, 'ES256', {}, { issuer: 'elsewhere' }),
      await sign({ privateKey: other.privateKey, kid: 'rsa-1' }, 'RS256'),
      await sign(rs, 'RS256', { roles: ['emperor'] }),
      'not.a.token',
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","roles":["admin"]}').toString('base64url')}.`,
    ];
    for (const token of bad) {
      const res = await ask('{ grids { id } }', token);
      expect({ status: res.status, code: res.errors?.[0]?.extensions?.code }).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
      });
    }
  });

  it('when a token has no exp or no iat, lives longer than JWT_MAX_LIFETIME_SECONDS or is older than it, then it gets 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused = {
      'no exp': await sign(rs, 'RS256', {}, { expires: null }),
      'no iat': await sign(es, 'ES256', {}, { issuedAt: null }),
      'no exp and no iat': await sign(rs, 'RS256', {}, { expires: null, issuedAt: null }),
      'a 13 h lifetime': await sign(rs, 'RS256', {}, { expires: '13h' }),
      'a year-long lifetime': await sign(es, 'ES256', {}, { expires: now + 365 * 86_400 }),
      'issued 13 h ago, valid 5 more minutes': await sign(
        rs,
        'RS256',
        {},
        { issuedAt: now - 13 * 3600, expires: now + 300 },
      ),
      'a development token of 13 h': await gw.token(['staff'], {}, '13h'),
    };
    const answers = Object.fromEntries(
      await Promise.all(
        Object.entries(refused).map(async ([name, token]) => {
          const res = await ask('{ grids { id } }', token);
          return [name, { status: res.status, code: res.errors?.[0]?.extensions?.code }];
        }),
      ),
    );
    expect(answers).toEqual(
      Object.fromEntries(
        Object.keys(refused).map((n) => [n, { status: 401, code: 'UNAUTHENTICATED' }]),
      ),
    );
    expect((await ask('{ grids { id } }', refused['no exp'])).errors?.[0]?.message).toBe(
      'token has no expiry (exp)',
    );
    expect((await ask('{ grids { id } }', refused['a 13 h lifetime'])).errors?.[0]?.message).toBe(
      'token lifetime exceeds the maximum of 43200 s',
    );
    for (const token of [
      await sign(rs, 'RS256', {}, { expires: '12h' }),
      await gw.token(['staff']),
    ]) {
      const res = await ask('{ grids { id } }', token);
      expect({ status: res.status, errors: res.errors }).toEqual({
        status: 200,
        errors: undefined,
      });
    }
  });

  it('when a document is too deep (also through a fragment named __schema), too aliased, too long, too directive-heavy or too costly, then it is refused before any subgraph is called', async () => {
    const deep = `{ grids { children { children { children { children { children { children { id } } } } } } } }`;
    const schemaFragment = `query { grids { ...__schema } }
      fragment __schema on Grid { children { children { children { children { children { children { id } } } } } } }`;
    const aliases = `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: grids { id }`).join(' ')} }`;
    const tokens = `{ grids { ${Array.from({ length: 500 }, () => 'id').join(' ')} } }`;
    const directives = `{ grids { id ${Array.from({ length: 5 }, () => '@include(if: true)').join(' ')} } }`;
    const costly = `{ ${Array.from({ length: 5 }, (_, i) => `c${i}: grids { children { children { children { id name parent { id name } } } } }`).join(' ')} }`;
    const before = subgraphCalls();
    for (const [name, query] of Object.entries({
      deep,
      schemaFragment,
      aliases,
      tokens,
      directives,
      costly,
    })) {
      const res = await ask(query, staff);
      expect({ name, status: res.status, code: res.errors?.[0]?.extensions?.code }).toEqual({
        name,
        status: 400,
        code: expect.stringMatching(/GRAPHQL_VALIDATION_FAILED|GRAPHQL_PARSE_FAILED/),
      });
    }
    expect(subgraphCalls()).toBe(before);
    // A legitimate query passes the same limits.
    expect((await ask('{ grids { id name children { id } } }', staff)).errors).toBeUndefined();
  });

  it('when requests are cross-site simple requests or too large, then they are refused', async () => {
    const csrf = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ grids { id } }' }),
    });
    expect(csrf.status).toBe(400);
    const huge = await postGraphQL(gw.url, '{ grids { id } }', { pad: 'x'.repeat(2_000_000) });
    expect(huge.status).toBe(413);
  });

  it('when a client persists a query by hash, then later requests may send the hash alone', async () => {
    const query = '{ grids { id name } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const send = (body: Record<string, unknown>) =>
      fetch(gw.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}` },
        body: JSON.stringify(body),
      }).then(
        async (r) =>
          (await r.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] },
      );
    const ext = { persistedQuery: { version: 1, sha256Hash } };
    expect((await send({ extensions: ext })).errors?.[0]?.extensions?.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    expect((await send({ query, extensions: ext })).errors).toBeUndefined();
    const byHash = await send({ extensions: ext });
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data).toEqual({ grids: expect.any(Array) });
  });

  it('when one caller exceeds its rate, then it gets 429 with Retry-After and other callers are served', async () => {
    const limited = await startTestGateway(
      { residents: residents.service },
      // One token a minute: seven requests cannot earn a refill however slow the machine is.
      { env: { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '5' } },
    );
    try {
      const busy = await limited.token(['staff'], { sub: 'busy-user' });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 7; i++) {
        const res = await fetch(limited.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${busy}` },
          body: JSON.stringify({ query: '{ grids { id } }' }),
        });
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
          expect(body.errors[0]!.extensions.code).toBe('RATE_LIMITED');
        } else await res.text();
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      const other = await limited.query(
        '{ grids { id } }',
        {},
        await limited.token(['staff'], { sub: 'calm-user' }),
      );
      expect(other.status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it('when NODE_ENV=production, then introspection and suggestions are off and only safelisted operations run', async () => {
    const prod = await startTestGateway(
      { residents: residents.service },
      { env: { NODE_ENV: 'production' } },
    );
    try {
      const token = await prod.token(['staff']);
      const introspection = await prod.query('{ __schema { types { name } } }', {}, token);
      expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
      const typo = await prod.query('{ gridz { id } }', {}, token);
      expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
      const adHoc = await prod.query('{ grids { id } }', {}, token);
      expect(adHoc.errors?.[0]).toMatchObject({
        message: 'this operation is not in the safelist',
        extensions: { code: 'FORBIDDEN' },
      });
      // The grid-member app's operation is in test/operations: it runs (formatting aside).
      const member = await prod.token(['grid_member'], { gridIds: [] });
      const op = readFileSync(join(__dirname, '..', 'operations', 'GridRound.graphql'), 'utf8');
      const res = await prod.query(
        op.replace(/\n\s*/g, ' '),
        { gridId: '00000000-0000-4000-8000-000000000000' },
        member,
      );
      expect(res.errors?.[0]?.extensions?.code).not.toBe('FORBIDDEN');
      expect(res.errors?.[0]?.message ?? '').not.toMatch(/safelist/);
      const dev = await ask('{ gridz { id } }', staff);
      expect(dev.errors?.[0]?.message).toMatch(/Did you mean/);
    } finally {
      await prod.stop();
    }
  });
});
