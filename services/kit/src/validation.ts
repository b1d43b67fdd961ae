import { z } from 'zod';
import { badInput } from './errors';

/**
 * The one validation of text that arrives in arguments, shared by every service. PostgreSQL
 * refuses the null byte in text, other control characters are invisible and break logs, exports
 * and terminals, and a lone UTF-16 surrogate is not a character at all (it is stored as U+FFFD):
 * all of them are BAD_USER_INPUT naming the field, never an internal error. Line breaks and tabs
 * are allowed only in free text (notes, descriptions, records); names, titles and other one-line
 * values refuse them too.
 */

/** C0 controls except tab, line feed and carriage return; DEL; the C1 controls. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LINE_BREAK_OR_TAB = /[\t\n\r\u2028\u2029]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** How a text argument may be written. */
export interface TextRules {
  /** Line breaks and tabs allowed (free text); one line otherwise. */
  multiline?: boolean;
}

/** Why `value` is not acceptable text, or undefined when it is. */
export function textProblem(value: string, rules: TextRules = {}): string | undefined {
  if (LONE_SURROGATE.test(value))
    return 'must be valid Unicode text (it has an unpaired surrogate)';
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (!rules.multiline && LINE_BREAK_OR_TAB.test(value))
    return 'must be a single line (no line breaks or tabs)';
  return undefined;
}

const textCheck = (rules: TextRules) => (ctx: z.core.ParsePayload<string>) => {
  const problem = textProblem(ctx.value, rules);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
};

/**
 * One line of text: clean, trimmed, `min` (1) to `max` characters. For names, titles, places,
 * user ids and search terms.
 */
export const line = (max: number, min = 1) =>
  z
    .string()
    .trim()
    .check(textCheck({}))
    .min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`);

/**
 * Free text (notes, descriptions, records, terms): clean except for line breaks and tabs,
 * trimmed, `min` (1; 0 for text that may be empty) to `max` characters.
 */
export const freeText = (max: number, min = 1) =>
  z
    .string()
    .trim()
    .check(textCheck({ multiline: true }))
    .min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`);

/**
 * Checks a string argument outside a zod schema: the trimmed value, or BAD_USER_INPUT naming
 * `field`. Use it for arguments a use case reads directly (a search term, a stated purpose).
 */
export function textArg(value: string, field: string, max: number, rules: TextRules = {}): string {
  const trimmed = value.trim();
  const problem = textProblem(trimmed, rules);
  if (problem) throw badInput(field, `${field}: ${problem}`);
  if (trimmed.length > max) throw badInput(field, `${field}: must be at most ${max} characters`);
  return trimmed;
}

/** A list that names each value once; a repeated value is refused with `message`. */
export const distinct = <T extends z.ZodType>(item: T, message = 'each value once') =>
  z
    .array(item)
    .refine((values) => new Set(values.map((v) => JSON.stringify(v))).size === values.length, {
      message,
    });

/** A real calendar date written YYYY-MM-DD. */
export const isoDate = z.iso.date('must be a date written YYYY-MM-DD');

/** An instant written in ISO 8601 with its offset. */
export const isoInstant = z.iso.datetime({
  offset: true,
  message: 'must be an ISO-8601 date and time with offset',
});

/** An entity id (a UUID); every subgraph's ids and references. */
export const uuid = z.uuid('must be a valid id');

/** The community's offset from UTC: Dunhuang keeps Beijing time, with no daylight saving. */
export const COMMUNITY_UTC_OFFSET_MS = 8 * 3_600_000;

/** The community's calendar date (YYYY-MM-DD) at instant `t`. */
export const communityDate = (t: Date): string =>
  new Date(t.getTime() + COMMUNITY_UTC_OFFSET_MS).toISOString().slice(0, 10);

const DAY_MS = 86_400_000;
/** `from` moved by whole days (negative: back). */
export const addDays = (from: Date, days: number): Date => new Date(from.getTime() + days * DAY_MS);

/**
 * Throws BAD_USER_INPUT naming `field` unless `value` lies in [earliest, latest]; `rule` says the
 * range as the caller reads it (e.g. "must be within a year from now"). Instants compare as
 * instants, dates (YYYY-MM-DD) as dates.
 */
export function assertWithin<T extends Date | string>(
  field: string,
  value: T,
  earliest: T | undefined,
  latest: T | undefined,
  rule: string,
): void {
  const at = (v: T) => (v instanceof Date ? v.getTime() : v);
  if (
    (earliest !== undefined && at(value) < at(earliest)) ||
    (latest !== undefined && at(value) > at(latest))
  )
    throw badInput(field, `${field}: ${rule}`);
}

/** How far ahead of the server's clock a caller's clock may be when it says "now". */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Throws BAD_USER_INPUT naming `field` unless the instant `value` is recent: within the past
 * `withinDays` days of `now` and not in the future (allowing {@link CLOCK_SKEW_MS} of clock skew).
 * For when something happened, recorded after the fact (a visit, a session).
 */
export function assertRecentInstant(
  field: string,
  value: Date,
  now: Date,
  withinDays: number,
): void {
  if (value.getTime() > now.getTime() + CLOCK_SKEW_MS)
    throw badInput(field, `${field}: must not be in the future`);
  assertWithin(
    field,
    value,
    addDays(now, -withinDays),
    undefined,
    `must be within the past ${withinDays} days`,
  );
}
