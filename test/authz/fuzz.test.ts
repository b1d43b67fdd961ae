import {
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { CALLS, type Actor, type Subject } from './calls';
import { argsFor, claimsFor, codesOf, operation, rootOf, summary } from './harness';
import { MATRIX, WHO } from './matrix';
import { World, changedTables, inParallel, supergraph } from './world';

const POOL = 16;
const CONCURRENCY = 8;

type Kind = 'text' | 'date' | 'datetime';
type Path = (string | number)[];

/** A place in a mutation's arguments where a string, id, date or instant goes. */
interface Leaf {
  path: Path;
  kind: Kind;
}

/** Every String, ID, Date and DateTime place in `field`'s arguments, nested inputs included. */
function leavesOf(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (type: GraphQLInputType, value: unknown, path: Path): void => {
    const t = isNonNullType(type) ? type.ofType : type;
    if (isListType(t)) {
      const first = Array.isArray(value) ? value[0] : undefined;
      // A list of inputs is fuzzed through the element it has; a list of scalars always.
      if (isInputObjectType(getNamedType(t)) && first === undefined) return;
      walk(t.ofType as GraphQLInputType, first, [...path, 0]);
    } else if (isInputObjectType(t)) {
      if (value == null) return;
      for (const f of Object.values(t.getFields()))
        walk(f.type, (value as Record<string, unknown>)[f.name], [...path, f.name]);
    } else if (isScalarType(t)) {
      const kind: Kind | undefined =
        t.name === 'Date'
          ? 'date'
          : t.name === 'DateTime'
            ? 'datetime'
            : t.name === 'String' || t.name === 'ID'
              ? 'text'
              : undefined;
      if (kind) leaves.push({ path, kind });
    }
  };
  for (const a of field.args) walk(a.type, args[a.name], [a.name]);
  return leaves;
}

const valueAt = (root: unknown, path: Path): unknown =>
  path.reduce<unknown>((v, k) => (v == null ? undefined : (v as Record<string, unknown>)[k]), root);

/** A deep copy of `args` with `value` at `path` (lists and objects made where missing). */
function withValue(args: Record<string, unknown>, path: Path, value: unknown) {
  const copy = structuredClone(args);
  let node = copy as Record<string | number, unknown>;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) node[key] = value;
    else {
      node[key] ??= typeof path[i + 1] === 'number' ? [] : {};
      node = node[key] as Record<string | number, unknown>;
    }
  }
  return copy;
}

const LONG = 'x'.repeat(100_000);
const EDGE_DATES = ['0001-01-01', '9999-12-31'];

/** The hostile values for one place, each with the arguments that carry it. */
function variants(args: Record<string, unknown>, leaf: Leaf) {
  const base = valueAt(args, leaf.path);
  const text = typeof base === 'string' ? base : 'x';
  const out: { name: string; args: Record<string, unknown> }[] = [
    { name: 'a null byte', args: withValue(args, leaf.path, `${text}\u0000`) },
    { name: 'an escape sequence', args: withValue(args, leaf.path, `${text}\u001b[2J`) },
    { name: 'a lone high surrogate', args: withValue(args, leaf.path, `${text}\ud800`) },
    { name: 'a lone low surrogate', args: withValue(args, leaf.path, `\udc00${text}`) },
    { name: '100,000 characters', args: withValue(args, leaf.path, LONG) },
  ];
  for (const day of EDGE_DATES) {
    if (leaf.kind === 'date') out.push({ name: day, args: withValue(args, leaf.path, day) });
    if (leaf.kind === 'datetime') {
      // The same time of day on the edge day; a period's other end moves with it.
      const at = (v: unknown) =>
        typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)
          ? `${day}${v.slice(10)}`
          : `${day}T02:00:00.000Z`;
      let moved = withValue(args, leaf.path, at(base));
      const key = leaf.path[leaf.path.length - 1];
      const other = key === 'startsAt' ? 'endsAt' : key === 'endsAt' ? 'startsAt' : undefined;
      const partner = other ? [...leaf.path.slice(0, -1), other] : undefined;
      if (partner && typeof valueAt(args, partner) === 'string')
        moved = withValue(moved, partner, at(valueAt(args, partner)));
      out.push({ name: day, args: moved });
    }
  }
  return out;
}

/** A caller the table lets call `row`: staff or an admin when it may, else an owner. */
function allowedCaller(row: string): Actor {
  const access = MATRIX[row]!.access;
  const self = Boolean(CALLS[row]!.self);
  const who =
    (['staff', 'admin'] as const).find((r) => access[r] === 'yes') ??
    WHO.find((r) => access[r] === 'own') ??
    WHO.find((r) => r !== 'anonymous' && access[r] === 'yes')!;
  return { who, owner: access[who] === 'own' || self };
}

/**
 * Control characters, lone surrogates, 100,000 characters and dates in the years 1 and 9999 in
 * every string, id and date argument of every mutation (nested input fields too), sent through
 * the gateway by a caller the table allows: no answer is an internal error, every one is refused,
 * no row of any database changes; the same calls unfuzzed then succeed.
 */
describe('string and date fuzz over every mutation argument', () => {
  const schema = supergraph();
  const rows = Object.keys(MATRIX).filter((r) => r.startsWith('Mutation.'));
  const bases: { row: string; actor: Actor; token: string; subject?: Subject; error?: string }[] =
    [];
  let w: World;
  let before: Record<string, string>;
  let calls = 0;
  const started = Date.now();

  beforeAll(async () => {
    w = await World.start(POOL);
    await inParallel(rows, CONCURRENCY, async (row) => {
      const actor = allowedCaller(row);
      const base: (typeof bases)[number] = { row, actor, token: '' };
      bases.push(base);
      try {
        base.subject = await CALLS[row]!.setup(w);
        base.token = await w.token(
          actor.who,
          claimsFor(w, actor.who, base.subject.owner, actor.owner),
        );
      } catch (err) {
        base.error = err instanceof Error ? err.message : String(err);
      }
    });
    w.time(`${bases.length} subjects`);
    await w.quiesce();
    before = await w.snapshot();
    w.time('quiesce and snapshot');
  }, 180_000);

  afterAll(async () => {
    await w?.stop();
    process.stdout.write(
      `authz fuzz: ${rows.length} mutations, ${calls} calls, ${w?.poolMisses ?? 0} pool misses, ${w?.poolLeft ?? 0} left, ${Math.round((Date.now() - started) / 1000)} s (${w?.timings.join(', ')})\n`,
    );
  });

  it('when an anonymous caller sends any mutation hostile values, then it is told UNAUTHENTICATED before anything about its input', async () => {
    const failures: string[] = [];
    for (const b of bases.filter((x) => x.subject)) {
      const args = argsFor(b.subject!, b.actor);
      const { field } = rootOf(schema, b.row, CALLS[b.row]!);
      let hostile = args;
      for (const leaf of leavesOf(field, args))
        hostile = withValue(hostile, leaf.path, `${String(valueAt(args, leaf.path) ?? 'x')}\u0000`);
      const op = operation(schema, b.row, CALLS[b.row]!, hostile);
      const res = await w.call(op.query, op.variables);
      calls += 1;
      const codes = codesOf(res);
      if (!codes.length || codes.some((c) => c !== 'UNAUTHENTICATED'))
        failures.push(`${b.row} as anonymous: ${summary(res)}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('when a string, id or date argument carries control characters, lone surrogates, 100,000 characters or a date in the year 1 or 9999, then no answer is an internal error, each is refused and no row of any database changes', async () => {
    const failures: string[] = [];
    const jobs: {
      label: string;
      query: string;
      variables: Record<string, unknown>;
      token: string;
    }[] = [];
    for (const b of bases) {
      if (!b.subject) {
        failures.push(`${b.row}: seeding its subject failed: ${b.error}`);
        continue;
      }
      const args = argsFor(b.subject, b.actor);
      const { field } = rootOf(schema, b.row, CALLS[b.row]!);
      for (const leaf of leavesOf(field, args))
        for (const v of variants(args, leaf)) {
          const op = operation(schema, b.row, CALLS[b.row]!, v.args);
          jobs.push({
            label: `${b.row} ${leaf.path.join('.')} with ${v.name} as ${b.actor.who}`,
            ...op,
            token: b.token,
          });
        }
    }
    expect(jobs.length).toBeGreaterThan(600);
    calls += jobs.length;
    const outcomes = await inParallel(jobs, CONCURRENCY, async (job) => {
      const res = await w.call(job.query, job.variables, job.token);
      const codes = codesOf(res);
      if (res.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR') || codes.includes('NONE'))
        return `${job.label}: ${summary(res)}`;
      const value = res.data ? Object.values(res.data)[0] : undefined;
      if (!codes.length || value != null) return `${job.label}: accepted`;
      return undefined;
    });
    failures.push(...outcomes.filter((o): o is string => o !== undefined));
    w.time(`${jobs.length} fuzzed calls`);
    await w.quiesce();
    const changed = changedTables(before, await w.snapshot());
    expect({ failures, changed }).toEqual({ failures: [], changed: {} });
  }, 180_000);

  it('when the same calls are made with their arguments unchanged, then they succeed (the refusals were for the values)', async () => {
    const outcomes = await inParallel(
      bases.filter((b) => b.subject),
      CONCURRENCY,
      async (b) => {
        const op = operation(schema, b.row, CALLS[b.row]!, argsFor(b.subject!, b.actor));
        const res = await w.call(op.query, op.variables, b.token);
        calls += 1;
        return res.errors?.length || res.status !== 200
          ? `${b.row} as ${b.actor.who}: ${summary(res)}`
          : undefined;
      },
    );
    w.time('controls');
    expect(outcomes.filter((o) => o !== undefined)).toEqual([]);
  }, 60_000);
});
