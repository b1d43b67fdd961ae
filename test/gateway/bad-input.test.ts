import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { freePort } from '@liyuan/kit';
import { ALL_SERVICES, startSystem, type TestSystem } from '../support/system';

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE residents; --",
  '" OR ""="',
  '1; SELECT pg_sleep(5)',
  "') UNION SELECT id_card_number FROM residents --",
  "%' AND 1=0 UNION SELECT NULL --",
  "\\'; COMMIT; --",
  '$$; DROP SCHEMA public CASCADE; $$',
];

interface Outcome {
  label: string;
  status: number;
  codes: string[];
}

/** A value of `type` with `text` wherever a string (or id, date, ...) goes. */
function valueFor(type: GraphQLInputType, text: string, depth = 0): unknown {
  if (isNonNullType(type)) return valueFor(type.ofType, text, depth);
  if (isListType(type)) return [valueFor(type.ofType, text, depth)];
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0]!.value;
  if (isInputObjectType(named)) {
    if (depth > 3) return {};
    return Object.fromEntries(
      Object.values(named.getFields()).map((f) => [f.name, valueFor(f.type, text, depth + 1)]),
    );
  }
  if (isScalarType(named)) {
    if (named.name === 'Int') return 1;
    if (named.name === 'Float') return 1.5;
    if (named.name === 'Boolean') return true;
  }
  return text;
}

/** `field` called with every argument carrying `text`, as a document and its variables. */
function operationFor(
  kind: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  text: string,
): { query: string; variables: Record<string, unknown> } {
  const defs = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const call = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const named = getNamedType(field.type);
  const selection = isScalarType(named) || isEnumType(named) ? '' : ' { __typename }';
  return {
    query: `${kind} Probe${defs ? `(${defs})` : ''} { ${field.name}${call ? `(${call})` : ''}${selection} }`,
    variables: Object.fromEntries(field.args.map((a) => [a.name, valueFor(a.type, text)])),
  };
}

/**
 * At least 2,000 malformed or hostile requests through the gateway in front of all five subgraphs:
 * each gets a 4xx or GraphQL errors with codes, never a 5xx or an internal error; no process exits;
 * no row in any database changes.
 */
describe('bad input through the gateway', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    // No broker: events from the other test files must not change these databases meanwhile.
    sys = await startSystem({ brokers: [`127.0.0.1:${await freePort()}`] });
  });
  afterAll(async () => {
    await sys.stop();
  });

  const rowCounts = async () => {
    const counts: Record<string, number> = {};
    for (const name of ALL_SERVICES) {
      const ds = sys.services[name].service.db.dataSource;
      const tables = (await ds.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
      )) as { table_name: string }[];
      for (const { table_name } of tables) {
        const [row] = (await ds.query(`SELECT count(*)::int AS n FROM "${table_name}"`)) as {
          n: number;
        }[];
        counts[`${name}.${table_name}`] = row!.n;
      }
    }
    return counts;
  };

  it('when 2,000+ malformed, oversized, nested, mistyped and injection-laden requests arrive, then none gets a 5xx, none crashes anything and no row changes', async () => {
    const before = await rowCounts();
    const staff = await sys.gw.token(['staff']);
    const resident = await sys.gw.token(['resident'], {
      residentId: '00000000-0000-4000-8000-0000000000aa',
      sub: 'prober',
    });
    const outcomes: Outcome[] = [];
    const send = async (
      label: string,
      body: string,
      headers: Record<string, string> = { 'content-type': 'application/json' },
    ) => {
      const res = await fetch(sys.gw.url, { method: 'POST', headers, body });
      const text = await res.text();
      let codes: string[] = [];
      try {
        const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
        codes = (parsed.errors ?? []).map((e) => e.extensions?.code ?? 'NONE');
      } catch {
        codes = ['UNPARSEABLE_RESPONSE'];
      }
      outcomes.push({ label, status: res.status, codes });
    };
    const gql = (label: string, query: string, variables: unknown, token?: string) =>
      send(label, JSON.stringify({ query, variables }), {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      });

    const schema: GraphQLSchema = buildClientSchema(
      (await sys.gw.query(getIntrospectionQuery(), {}, staff))
        .data as unknown as IntrospectionQuery,
    );
    const queries = Object.values(schema.getQueryType()!.getFields());
    const mutations = Object.values(schema.getMutationType()!.getFields());

    // 1. Injection strings in every argument of every root field: queries as anonymous, a
    //    resident and staff (reads change nothing), mutations as anonymous (they must refuse).
    for (const text of INJECTIONS) {
      for (const f of queries) {
        const op = operationFor('query', f, text);
        for (const token of [undefined, resident, staff])
          await gql(`query ${f.name}`, op.query, op.variables, token);
      }
      for (const f of mutations) {
        const op = operationFor('mutation', f, text);
        await gql(`mutation ${f.name}`, op.query, op.variables);
      }
    }
    // 2. Invalid JSON.
    const broken = [
      '{',
      '{"query":',
      '{"query": "{ grids { id } }"',
      'null',
      '[]',
      '"text"',
      '\u0000\u0001',
      '{"query": 42}',
      '{"variables": "x"}',
    ];
    for (let i = 0; i < 60; i++)
      await send('invalid json', broken[i % broken.length]! + ' '.repeat(i));
    // 3. Wrong content types.
    const types = [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      '',
    ];
    for (let i = 0; i < 50; i++)
      await send(
        'content type',
        JSON.stringify({ query: '{ grids { id } }' }),
        types[i % types.length] ? { 'content-type': types[i % types.length]! } : {},
      );
    // 4. Huge strings and bodies.
    for (let i = 0; i < 40; i++) {
      const size = [10_000, 200_000, 900_000, 1_500_000][i % 4]!;
      await gql(
        'huge string',
        `mutation($n: String!) { createGrid(input: { name: $n }) { id } }`,
        { n: 'x'.repeat(size) },
        staff,
      );
    }
    // 5. Deep nesting and alias bombs.
    for (let i = 0; i < 80; i++) {
      const depth = 12 + i;
      const deep = `{ grids { ${'children { '.repeat(depth)}id${' }'.repeat(depth)} } }`;
      await gql('deep', deep, {}, staff);
      const bomb = `{ ${Array.from({ length: 20 + i * 5 }, (_, k) => `a${k}: grids { id }`).join(' ')} }`;
      await gql('aliases', bomb, {}, staff);
    }
    // 6. Invalid ids and wrong variable types.
    const ids = [
      '1',
      '-1',
      'abc',
      '',
      ' ',
      'ffffffff-ffff-ffff-ffff-fffffffffffff',
      '../../etc/passwd',
      'null',
      '0x41',
      '😀',
    ];
    for (let i = 0; i < 150; i++) {
      const id = ids[i % ids.length]!;
      await gql('invalid id', `query($id: ID!) { resident(id: $id) { id } }`, { id }, staff);
      await gql('invalid id', `query($id: ID!) { facility(id: $id) { id } }`, { id }, staff);
      await gql(
        'invalid id',
        `mutation($input: CancelBookingInput!) { cancelBooking(input: $input) { id } }`,
        { input: { id } },
        staff,
      );
    }
    // An invalid field of a mutation's input object is named by its path in the input.
    for (const [mutation, input, field] of [
      ['cancelBooking', '{ id: "abc" }', 'input.id'],
      ['tagResident', '{ residentId: "abc", tag: "disabled" }', 'input.residentId'],
    ]) {
      const res = await sys.gw.query(`mutation { ${mutation}(input: ${input}) { id } }`, {}, staff);
      expect({ mutation, error: res.errors?.[0]?.extensions }).toEqual({
        mutation,
        error: expect.objectContaining({ code: 'BAD_USER_INPUT', field }),
      });
    }
    const wrong = [
      { n: 5 },
      { n: null },
      { n: { nested: true } },
      { n: [1, 2] },
      {},
      { other: 'x' },
    ];
    for (let i = 0; i < 100; i++)
      await gql(
        'variable type',
        `query($n: Int!) { residents(first: $n) { totalCount } }`,
        wrong[i % wrong.length],
        staff,
      );

    expect(outcomes.length).toBeGreaterThanOrEqual(2000);
    const serverErrors = outcomes.filter(
      (o) =>
        o.status >= 500 ||
        o.codes.includes('INTERNAL_SERVER_ERROR') ||
        o.codes.includes('NONE') ||
        o.codes.includes('UNPARSEABLE_RESPONSE'),
    );
    expect([...new Set(serverErrors.map((o) => o.label))]).toEqual([]);
    // Each either was refused (4xx, or GraphQL errors with codes) or was a harmless read.
    const byStatus: Record<string, number> = {};
    for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;

    for (const name of ALL_SERVICES) {
      const live = await fetch(`http://127.0.0.1:${sys.services[name].service.port}/health/live`);
      expect({ name, status: live.status }).toEqual({ name, status: 200 });
    }
    expect(await rowCounts()).toEqual(before);
    process.stdout.write(
      `bad input: ${outcomes.length} requests, by status ${JSON.stringify(byStatus)}, 0 server errors, 0 rows changed\n`,
    );
  }, 300_000);
});
