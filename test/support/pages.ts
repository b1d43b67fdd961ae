import type { GqlResult } from './stack';

/** Sends an operation as some caller (a subgraph or the gateway). */
type Call = (query: string, variables?: Record<string, unknown>) => Promise<GqlResult>;

interface Connection<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Reads a connection field `first` at a time to the end: `args` are its other arguments, `node`
 * the selection of a node. Each page must come without errors, in one statement when `statements`
 * is given, and end at its last edge's cursor; returns the nodes of every page in order.
 */
export async function readAllPages<N>(
  call: Call,
  field: string,
  opts: { first: number; node: string; args?: string; statements?: number },
): Promise<N[]> {
  const query = `query($after: String) { ${field}(first: ${opts.first}, after: $after${
    opts.args ? `, ${opts.args}` : ''
  }) { edges { cursor node { ${opts.node} } } pageInfo { hasNextPage endCursor } } }`;
  const nodes: N[] = [];
  let after: string | null = null;
  for (;;) {
    const res = await call(query, { after });
    expect(res.errors).toBeUndefined();
    if (opts.statements !== undefined) expect(res.statements).toBe(opts.statements);
    const page = (res.data as Record<string, Connection<N>>)[field]!;
    expect(page.edges.length).toBeLessThanOrEqual(opts.first);
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1]!.cursor);
    after = page.pageInfo.endCursor;
  }
}

/** `first` out of 1 to 100 and an `after` this field never handed out are BAD_USER_INPUT naming the argument. */
export async function expectPageBoundsRefused(call: Call, field: string, args = ''): Promise<void> {
  for (const [bad, name] of [
    ['first: 0', 'first'],
    ['first: 101', 'first'],
    ['after: "nope"', 'after'],
  ] as const) {
    const res = await call(
      `{ ${field}(${[bad, args].filter(Boolean).join(', ')}) { totalCount } }`,
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: name });
  }
}
