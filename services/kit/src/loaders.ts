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
