import { badInput } from './errors';
import { textProblem } from './validation';

/** Encodes a keyset position (the sort key values of the last row) as an opaque cursor. */
export const encodeCursor = (values: (string | number)[]): string =>
  Buffer.from(JSON.stringify(values)).toString('base64url');

/**
 * Decodes a cursor made by {@link encodeCursor} with `arity` values; anything else is a
 * BAD_USER_INPUT naming `field`.
 */
export function decodeCursor(cursor: string, arity: number, field = 'after'): (string | number)[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(values) &&
      values.length === arity &&
      values.every(
        (v) =>
          (typeof v === 'string' && !textProblem(v, { multiline: true })) || typeof v === 'number',
      )
    ) {
      return values as (string | number)[];
    }
  } catch {
    // fall through to the error below
  }
  throw badInput(field, `${field}: not a cursor returned by this field`);
}

/** Validates a page size argument: 1 to `max`, default `fallback`. */
export function pageSize(first: number | null | undefined, fallback = 20, max = 100): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw badInput('first', `first: must be 1 to ${max}`);
  return n;
}
