import { CALLS, type Subject } from './calls';
import { argsFor, claimsFor, codesOf, operation, summary } from './harness';
import { MATRIX, OWNERSHIP, WHO, type Who } from './matrix';
import { World, changedTables, inParallel, supergraph, type Owner } from './world';

/** Residents every service knows before the subjects are seeded (a few more are made if short). */
const POOL = 36;
const CONCURRENCY = 6;

/** One call of the matrix: a row, a role, as the owner or not, and what the table expects. */
interface Cell {
  row: string;
  who: Who;
  owner: boolean;
  /** The caller is also the subject's resident (a `notSelf` cell). */
  self: boolean;
  allowed: boolean;
}

/** Where a role's ownership of a subject is named (see OWNERSHIP). */
const OWNER_KEY: Partial<Record<Who, keyof Owner>> = {
  resident: 'residentId',
  grid_member: 'gridId',
  volunteer_lead: 'leadUserId',
  mediator: 'mediatorUserId',
};

const isRead = (row: string) => !row.startsWith('Mutation.');

/** The cells the table asks for: `yes` and `no` once per role, `own` as owner and non-owner. */
function cellsOf(): Cell[] {
  const cells: Cell[] = [];
  for (const [row, rule] of Object.entries(MATRIX)) {
    const selfService = Boolean(CALLS[row]?.self);
    for (const who of WHO) {
      const access = rule.access[who];
      if (access === 'yes')
        cells.push({ row, who, owner: selfService, self: false, allowed: true });
      if (access === 'no') cells.push({ row, who, owner: true, self: false, allowed: false });
      if (access === 'own') {
        cells.push({ row, who, owner: true, self: false, allowed: true });
        cells.push({ row, who, owner: false, self: false, allowed: false });
      }
    }
    for (const who of rule.notSelf ?? [])
      cells.push({ row, who, owner: rule.access[who] === 'own', self: true, allowed: false });
  }
  return cells;
}

function label(c: Cell): string {
  const access = MATRIX[c.row]!.access[c.who];
  const as = access === 'own' ? (c.owner ? ' (owner)' : ' (not owner)') : '';
  return `${c.row} as ${c.who}${as}${c.self ? ' who is the resident it is about' : ''}`;
}

function shows(s: Subject, value: unknown): boolean {
  if (!s.shows) return value != null;
  if (typeof s.shows === 'string') return JSON.stringify(value ?? null).includes(s.shows);
  return s.shows(value);
}

describe('authorization matrix: the table covers the schema', () => {
  it('when the supergraph has a Query or Mutation field, then the table has a row for it and a way to call it, and nothing else', () => {
    const schema = supergraph();
    const fields = [
      ...Object.keys(schema.getQueryType()!.getFields()).map((f) => `Query.${f}`),
      ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `Mutation.${f}`),
    ];
    expect(fields.length).toBeGreaterThan(80);
    const exists = (key: string) => {
      const [type, field] = key.split('.') as [string, string];
      const t = schema.getType(type);
      return Boolean(t && 'getFields' in t && field in t.getFields());
    };
    expect({
      withoutRow: fields.filter((f) => !MATRIX[f]),
      rowsForNoField: Object.keys(MATRIX).filter((k) => !exists(k)),
      rowsWithoutCall: Object.keys(MATRIX).filter((k) => !CALLS[k]),
      callsWithoutRow: Object.keys(CALLS).filter((k) => !MATRIX[k]),
      ownershipUndefined: [
        ...new Set(Object.values(MATRIX).flatMap((r) => WHO.filter((w) => r.access[w] === 'own'))),
      ].filter((w) => !OWNERSHIP[w] || !OWNER_KEY[w]),
    }).toEqual({
      withoutRow: [],
      rowsForNoField: [],
      rowsWithoutCall: [],
      callsWithoutRow: [],
      ownershipUndefined: [],
    });
  });
});

/**
 * Every row of the table, called through the gateway in front of all five subgraphs as every role
 * and anonymous, as the owner and a non-owner where ownership matters: allowed callers succeed
 * (reads show the row), refused callers get FORBIDDEN or UNAUTHENTICATED (reads may leave the row
 * out instead), and no refused call changes any row of any database.
 */
describe('authorization matrix through the gateway', () => {
  const schema = supergraph();
  const cells = cellsOf();
  /** One subject per read row; per mutation row one for the refused callers and one per allowed. */
  const slots: { row: string; subject?: Subject; error?: string }[] = [];
  const slotOf = new Map<Cell, number>();
  let w: World;
  let before: Record<string, string>;
  const started = Date.now();

  beforeAll(async () => {
    w = await World.start(POOL);
    // Reads share one subject per row; a mutation's refused callers share one, which then (shown
    // unchanged) serves its first allowed caller; every other allowed caller gets a fresh one.
    const shared = new Map<string, number>();
    const reused = new Set<string>();
    const slotFor = (row: string) => {
      let i = shared.get(row);
      if (i === undefined) shared.set(row, (i = slots.push({ row }) - 1));
      return i;
    };
    for (const c of cells) {
      if (isRead(c.row) || !c.allowed) slotOf.set(c, slotFor(c.row));
      else if (!reused.has(c.row)) {
        reused.add(c.row);
        slotOf.set(c, slotFor(c.row));
      } else slotOf.set(c, slots.push({ row: c.row }) - 1);
    }
    await inParallel(slots, CONCURRENCY, async (slot) => {
      try {
        slot.subject = await CALLS[slot.row]!.setup(w);
      } catch (err) {
        slot.error = err instanceof Error ? err.message : String(err);
      }
    });
    w.time(`${slots.length} subjects`);
    await w.quiesce();
    before = await w.snapshot();
    w.time('quiesce and snapshot');
  }, 240_000);

  afterAll(async () => {
    await w?.stop();
    process.stdout.write(
      `authz matrix: ${Object.keys(MATRIX).length} fields, ${WHO.length} callers, ${cells.length} cells, ${slots.length} subjects, ${w?.poolMisses ?? 0} pool misses, ${w?.poolLeft ?? 0} left, ${Math.round((Date.now() - started) / 1000)} s (${w?.timings.join(', ')})\n`,
    );
  });

  /** Calls one cell; undefined when the outcome is what the table says, else why not. */
  async function run(c: Cell): Promise<string | undefined> {
    const slot = slots[slotOf.get(c)!]!;
    if (!slot.subject) return `${label(c)}: seeding its subject failed: ${slot.error}`;
    const s = slot.subject;
    const key = OWNER_KEY[c.who];
    if (MATRIX[c.row]!.access[c.who] === 'own' && (!key || !s.owner?.[key]))
      return `${label(c)}: the subject names no ${key ?? 'owner'} for this role`;
    if (c.self && !s.owner?.residentId)
      return `${label(c)}: the subject names no resident it is about`;
    const claims = claimsFor(w, c.who, s.owner, c.owner, c.self ? s.owner?.residentId : undefined);
    const token = await w.token(c.who, claims);
    const op = operation(schema, c.row, CALLS[c.row]!, argsFor(s, { who: c.who, owner: c.owner }));
    const res = await w.call(op.query, op.variables, token);
    const value = res.data?.[op.root];
    const codes = codesOf(res);
    if (c.allowed) {
      if (res.status !== 200 || codes.length) return `${label(c)}: allowed, got ${summary(res)}`;
      if (isRead(c.row) && !shows(s, value))
        return `${label(c)}: allowed, but the answer leaves the row out: ${JSON.stringify(value)}`;
      if (!isRead(c.row) && value == null) return `${label(c)}: allowed, but answered null`;
      return undefined;
    }
    if (res.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR') || codes.includes('NONE'))
      return `${label(c)}: refused, got ${summary(res)}`;
    const refusals = c.who === 'anonymous' ? ['UNAUTHENTICATED'] : ['FORBIDDEN', 'UNAUTHENTICATED'];
    if (codes.length && !codes.every((code) => refusals.includes(code)))
      return `${label(c)}: refused, got ${summary(res)}`;
    if (isRead(c.row) ? shows(s, value) : value != null)
      return `${label(c)}: refused, but ${isRead(c.row) ? `the answer shows the row: ${JSON.stringify(value)}` : 'it succeeded'}`;
    return undefined;
  }

  const runAll = async (which: Cell[]) =>
    (await inParallel(which, CONCURRENCY, run)).filter((f): f is string => f !== undefined);

  it('when every caller reads every field, then each sees the rows the table grants and no other (FORBIDDEN, UNAUTHENTICATED, or left out)', async () => {
    const reads = cells.filter((c) => isRead(c.row));
    expect(reads.length).toBeGreaterThan(300);
    const failures = await runAll(reads);
    w.time('reads');
    expect(failures).toEqual([]);
  }, 120_000);

  it('when a caller the table refuses calls a mutation, then it gets FORBIDDEN or UNAUTHENTICATED and no row of any database changes', async () => {
    const refused = cells.filter((c) => !isRead(c.row) && !c.allowed);
    expect(refused.length).toBeGreaterThan(350);
    const failures = await runAll(refused);
    await w.quiesce();
    const changed = changedTables(before, await w.snapshot());
    w.time('refused');
    expect({ failures, changed }).toEqual({
      failures: [],
      changed: {},
    });
  }, 120_000);

  it('when a caller the table allows calls a mutation, then it succeeds (as the owner where ownership matters)', async () => {
    const allowed = cells.filter((c) => !isRead(c.row) && c.allowed);
    expect(allowed.length).toBeGreaterThan(150);
    const failures = await runAll(allowed);
    w.time('allowed');
    expect(failures).toEqual([]);
  }, 120_000);
});
