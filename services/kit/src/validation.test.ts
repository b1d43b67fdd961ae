import { z } from 'zod';
import { AppError, parseInput } from './errors';
import { decodeCursor, encodeCursor } from './pagination';
import {
  assertRecentInstant,
  assertWithin,
  CLOCK_SKEW_MS,
  distinct,
  freeText,
  line,
  textArg,
  textProblem,
} from './validation';

const refusal = (work: () => unknown) => {
  try {
    work();
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, field: err.field, message: err.message };
    throw err;
  }
  return undefined;
};

describe('text validation', () => {
  it.each([
    ['a null byte', 'a\u0000b', 'must not contain control characters'],
    ['an escape', 'a\u001bb', 'must not contain control characters'],
    ['DEL', 'a\u007fb', 'must not contain control characters'],
    ['a C1 control', 'a\u0085b', 'must not contain control characters'],
    [
      'a lone high surrogate',
      '\ud800',
      'must be valid Unicode text (it has an unpaired surrogate)',
    ],
    [
      'a lone low surrogate',
      'x\udc00y',
      'must be valid Unicode text (it has an unpaired surrogate)',
    ],
    ['a line break', 'a\nb', 'must be a single line (no line breaks or tabs)'],
    ['a tab', 'a\tb', 'must be a single line (no line breaks or tabs)'],
  ])('when one line of text holds %s, then it is refused naming the field', (_, value, why) => {
    expect(
      refusal(() => parseInput(z.object({ name: line(50) }), { name: value }, 'input')),
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'input.name', message: `input.name: ${why}` });
  });

  it('when free text holds line breaks and tabs, then they are kept; control characters are still refused', () => {
    expect(freeText(100).parse('  first line\r\n\tsecond line  ')).toBe(
      'first line\r\n\tsecond line',
    );
    expect(textProblem('a\u0000b', { multiline: true })).toBe(
      'must not contain control characters',
    );
    expect(textProblem('a\ud83db', { multiline: true })).toMatch(/unpaired surrogate/);
  });

  it('when text is clean, then it is trimmed and whole characters outside the BMP pass', () => {
    expect(line(10).parse('  李园 😀  ')).toBe('李园 😀');
    expect(line(10).parse('Wen\n')).toBe('Wen');
    expect(line(10, 0).parse('   ')).toBe('');
    expect(refusal(() => parseInput(line(3), 'abcd', 'title'))).toMatchObject({
      field: 'title',
      message: 'title: must be at most 3 characters',
    });
  });

  it('when a string argument is read outside a schema, then the same rules apply', () => {
    expect(textArg(' checking a claim ', 'purpose', 200)).toBe('checking a claim');
    expect(refusal(() => textArg('a\u0000', 'search', 100))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'search',
      message: 'search: must not contain control characters',
    });
  });

  it('when a list names a value twice, then it is refused', () => {
    const schema = z.object({ specialties: distinct(z.enum(['family', 'labour']), 'each once') });
    expect(
      refusal(() => parseInput(schema, { specialties: ['family', 'family'] }, 'input')),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.specialties',
      message: 'input.specialties: each once',
    });
    expect(parseInput(schema, { specialties: ['family', 'labour'] }, 'input')).toEqual({
      specialties: ['family', 'labour'],
    });
  });

  it('when a date or instant is outside its stated range, then the field and the rule are named', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(
      refusal(() =>
        assertWithin('startsAt', at, undefined, new Date('2025-12-31T00:00:00Z'), 'too late'),
      ),
    ).toMatchObject({ field: 'startsAt', message: 'startsAt: too late' });
    expect(
      refusal(() => assertWithin('joinedOn', '0001-01-01', '1921-07-01', '2026-01-01', 'r')),
    ).toMatchObject({ field: 'joinedOn' });
    expect(
      refusal(() => assertWithin('joinedOn', '1990-01-01', '1921-07-01', '2026-01-01', 'r')),
    ).toBeUndefined();
  });

  it('when an instant recorded after the fact is in the future or too long ago, then the field and the rule are named', () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const at = (ms: number) => new Date(now.getTime() + ms);
    const DAY = 86_400_000;
    const check = (value: Date) =>
      refusal(() => assertRecentInstant('input.heldAt', value, now, 30));
    expect(check(at(CLOCK_SKEW_MS + 1))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.heldAt',
      message: 'input.heldAt: must not be in the future',
    });
    expect(check(new Date('9999-12-31T00:00:00Z'))).toMatchObject({ field: 'input.heldAt' });
    expect(check(at(-30 * DAY - 1))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.heldAt',
      message: 'input.heldAt: must be within the past 30 days',
    });
    expect(check(new Date('0001-01-01T00:00:00Z'))).toMatchObject({ field: 'input.heldAt' });
    // The edges: five minutes of clock skew ahead, exactly the number of days back.
    for (const ms of [CLOCK_SKEW_MS, 0, -30 * DAY]) expect(check(at(ms))).toBeUndefined();
  });

  it('when a cursor carries a control character, then it is not a cursor', () => {
    expect(decodeCursor(encodeCursor(['Wen', 'x']), 2)).toEqual(['Wen', 'x']);
    expect(refusal(() => decodeCursor(encodeCursor(['W\u0000en', 'x']), 2))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
  });
});
