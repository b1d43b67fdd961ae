import type { GqlResult } from './stack';

/** Sends an operation as some caller (a subgraph or the gateway). */
type Call = (query: string, variables?: Record<string, unknown>) => Promise<GqlResult>;

interface Connection<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Where a connection nested under an object is read (`Resident.mediationCases`): the selection
 * down to its parent, the variables that selection uses, and how to find the parent in the answer.
 * Without one, the connection is a field of `Query`.
 */
export interface Parent {
  /** The selection down to the parent with the connection's selection inside it. */
  select: (connection: string) => string;
  /** The parent object in the answer's `data`. */
  pick: (data: unknown) => unknown;
  /** The variables `select` uses: their types and values. */
  variables?: Record<string, { type: string; value: unknown }>;
}

/** The operation `selection` (of the connection field) as a query, under `parent` if any. */
function operation(selection: string, parent: Parent | undefined, variables: string[] = []) {
  const defs = [
    ...variables,
    ...Object.entries(parent?.variables ?? {}).map(([name, v]) => `$${name}: ${v.type}`),
  ];
  return {
    query: `query${defs.length ? `(${defs.join(', ')})` : ''} { ${parent ? parent.select(selection) : selection} }`,
    values: Object.fromEntries(
      Object.entries(parent?.variables ?? {}).map(([name, v]) => [name, v.value]),
    ),
  };
}

/**
 * Reads a connection field `first` at a time to the end: `args` are its other arguments, `node`
 * the selection of a node, `parent` where it is nested (a field of `Query` without). Each page must
 * come without errors, in `statements` statements when given, and end at its last edge's cursor;
 * returns the nodes of every page in order.
 */
export async function readAllPages<N>(
  call: Call,
  field: string,
  opts: { first: number; node: string; args?: string; statements?: number; parent?: Parent },
): Promise<N[]> {
  const { query, values } = operation(
    `${field}(first: ${opts.first}, after: $after${opts.args ? `, ${opts.args}` : ''}) {
      edges { cursor node { ${opts.node} } } pageInfo { hasNextPage endCursor } }`,
    opts.parent,
    ['$after: String'],
  );
  const nodes: N[] = [];
  let after: string | null = null;
  for (;;) {
    const res = await call(query, { ...values, after });
    expect(res.errors).toBeUndefined();
    if (opts.statements !== undefined) expect(res.statements).toBe(opts.statements);
    const from = (opts.parent ? opts.parent.pick(res.data) : res.data) as Record<
      string,
      Connection<N>
    >;
    const page = from[field]!;
    expect(page.edges.length).toBeLessThanOrEqual(opts.first);
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1]!.cursor);
    after = page.pageInfo.endCursor;
  }
}

/**
 * `first` out of 1 to 100 and an `after` this field never handed out are BAD_USER_INPUT naming the
 * argument (the field nested under `parent` when given).
 */
export async function expectPageBoundsRefused(
  call: Call,
  field: string,
  args = '',
  parent?: Parent,
): Promise<void> {
  for (const [bad, name] of [
    ['first: 0', 'first'],
    ['first: 101', 'first'],
    ['after: "nope"', 'after'],
  ] as const) {
    const { query, values } = operation(
      `${field}(${[bad, args].filter(Boolean).join(', ')}) { totalCount }`,
      parent,
    );
    const res = await call(query, values);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: name });
  }
}
