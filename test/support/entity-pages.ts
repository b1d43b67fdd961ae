import type { GqlResult } from './stack';

/** Sends an operation as some caller (a subgraph or the gateway). */
type Call = (query: string, variables?: Record<string, unknown>) => Promise<GqlResult>;

/**
 * A caller that answers an operation on a root field with the same field nested under one entity
 * of a subgraph, so `readAllPages` and `expectPageBoundsRefused` page through a connection such as
 * `Resident.volunteerProfile.serviceRecords`: `{ field(...) { ... } }` is sent as
 * `_entities(representations: [representation]) { ... on Type { <path> { field(...) { ... } } } }`
 * and the answer comes back as `{ field: ... }`. `path` names the fields from the entity to the
 * connection's parent (none when the connection is a field of the entity itself).
 */
export function underEntity(
  call: Call,
  representation: { __typename: string; id: string },
  path: string[] = [],
): Call {
  return async (query, variables = {}) => {
    const open = query.indexOf('{');
    const declared = /^query\s*\((.*)\)$/s.exec(query.slice(0, open).trim())?.[1];
    const selection = path.reduceRight(
      (inner, field) => `${field} { ${inner} }`,
      query.slice(open + 1, query.lastIndexOf('}')),
    );
    const res = await call(
      `query(${[declared, '$representations: [_Any!]!'].filter(Boolean).join(', ')}) {
        _entities(representations: $representations) {
          ... on ${representation.__typename} { ${selection} } } }`,
      { ...variables, representations: [representation] },
    );
    let data = (res.data?._entities as Record<string, unknown>[] | undefined)?.[0] ?? null;
    for (const field of path) data = (data?.[field] as Record<string, unknown> | null) ?? null;
    return { ...res, data };
  };
}
