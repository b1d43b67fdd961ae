import { ageOn, isIsoDate, shift, today } from './dates';

describe('community calendar', () => {
  it('when it is late evening UTC, then today is already the next day in Dunhuang', () => {
    expect(today(new Date('2026-03-01T17:30:00Z'))).toBe('2026-03-02');
  });

  it('when computing ages around a birthday, then the year turns on the day', () => {
    expect(ageOn('1960-03-02', '2026-03-01')).toBe(65);
    expect(ageOn('1960-03-02', '2026-03-02')).toBe(66);
  });

  it('when shifting Feb 29 into a common year, then it lands on Feb 28', () => {
    expect(shift('2024-02-29', -1)).toBe('2023-02-28');
    expect(shift('2026-01-01', -1, 1)).toBe('2025-01-02');
  });

  it.each([
    ['2026-02-29', false],
    ['2024-02-29', true],
    ['2026-13-01', false],
    ['26-01-01', false],
  ])('when checking %s, then %s', (value, ok) => {
    expect(isIsoDate(value)).toBe(ok);
  });
});
