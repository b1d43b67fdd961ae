/** For a DataLoader batch: the row of each key (or undefined), in the order of the keys. */
export function keyed<T>(
  keys: readonly string[],
  rows: T[],
  key: (row: T) => string,
): (T | undefined)[] {
  const map = new Map(rows.map((r) => [key(r), r]));
  return keys.map((k) => map.get(k));
}

/** For a DataLoader batch: the rows of each key (possibly none), in the order of the keys. */
export function grouped<T>(keys: readonly string[], rows: T[], key: (row: T) => string): T[][] {
  const map = new Map<string, T[]>();
  for (const r of rows) {
    const list = map.get(key(r));
    if (list) list.push(r);
    else map.set(key(r), [r]);
  }
  return keys.map((k) => map.get(k) ?? []);
}

/** For a DataLoader batch of entities by id: the row of each id (or undefined), in their order. */
export const byId = <T extends { id: string }>(
  ids: readonly string[],
  rows: T[],
): (T | undefined)[] => keyed(ids, rows, (r) => r.id);

/** For a DataLoader batch of `{ key, value }` pairs: the values of each key, in the order of the keys. */
export const groupedValues = <T>(
  keys: readonly string[],
  rows: { key: string; value: T }[],
): T[][] => grouped(keys, rows, (r) => r.key).map((list) => list.map((r) => r.value));

/**
 * A GraphQL enum's resolver map from the domain's list of values, so each enum is listed once: the
 * schema's names are the values upper-cased (`service_hall` is `SERVICE_HALL`).
 */
export function enumValues<const V extends string>(values: readonly V[]): Record<Uppercase<V>, V> {
  return Object.fromEntries(values.map((v) => [v.toUpperCase(), v])) as Record<Uppercase<V>, V>;
}

/**
 * The row a non-null field refers to, through its batch loader. The reference is a foreign key, so
 * the row exists; were it missing, the answer is an internal error naming it, not a null the schema
 * does not allow.
 */
export async function loadExisting<V>(
  loader: { load(key: string): Promise<V | undefined> },
  key: string,
  what: string,
): Promise<V> {
  const row = await loader.load(key);
  if (row === undefined) throw new Error(`${what} ${key} does not exist`);
  return row;
}
