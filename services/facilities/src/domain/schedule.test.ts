import type { Facility } from './model';
import { availability, bookingRejection, parseClock } from './schedule';

const hall: Facility = {
  id: 'f',
  name: 'Dance Room',
  kind: 'dance_room',
  capacity: 30,
  opensAt: 8 * 60,
  closesAt: 21 * 60,
  status: 'open',
  location: 'Floor 2',
};
const at = (s: string) => new Date(s);
const now = at('2026-12-01T00:00:00+08:00');

describe('facility schedule', () => {
  it.each([
    [
      'a slot inside opening hours',
      '2026-12-02T09:00:00+08:00',
      '2026-12-02T10:00:00+08:00',
      10,
      null,
    ],
    [
      'a start before opening',
      '2026-12-02T07:30:00+08:00',
      '2026-12-02T09:00:00+08:00',
      10,
      'outside_opening_hours',
    ],
    [
      'an end after closing',
      '2026-12-02T20:00:00+08:00',
      '2026-12-02T21:30:00+08:00',
      10,
      'outside_opening_hours',
    ],
    [
      'more people than fit',
      '2026-12-02T09:00:00+08:00',
      '2026-12-02T10:00:00+08:00',
      31,
      'over_capacity',
    ],
    [
      'a slot in the past',
      '2026-11-30T09:00:00+08:00',
      '2026-11-30T10:00:00+08:00',
      10,
      'in_the_past',
    ],
    [
      'an end before the start',
      '2026-12-02T10:00:00+08:00',
      '2026-12-02T09:00:00+08:00',
      10,
      'invalid_period',
    ],
  ] as const)('when booking %s, then the answer is %s', (_what, start, end, people, expected) => {
    expect(bookingRejection(hall, at(start), at(end), people, now)).toBe(expected);
  });

  it('when the facility is under maintenance, then it is closed for booking', () => {
    const slot = [at('2026-12-02T09:00:00+08:00'), at('2026-12-02T10:00:00+08:00')] as const;
    expect(bookingRejection({ ...hall, status: 'maintenance' }, ...slot, 1, now)).toBe(
      'facility_closed',
    );
  });

  it('when a day has two bookings, then free time is the opening hours around them', () => {
    const { free, booked } = availability(
      hall,
      at('2026-12-02T00:00:00+08:00'),
      at('2026-12-03T00:00:00+08:00'),
      [
        { start: at('2026-12-02T10:00:00+08:00'), end: at('2026-12-02T11:00:00+08:00') },
        { start: at('2026-12-02T07:00:00+08:00'), end: at('2026-12-02T09:00:00+08:00') },
      ],
    );
    const iso = (xs: { start: Date; end: Date }[]) =>
      xs.map((x) => [x.start.toISOString(), x.end.toISOString()]);
    expect(iso(booked)).toEqual([
      ['2026-12-02T00:00:00.000Z', '2026-12-02T01:00:00.000Z'],
      ['2026-12-02T02:00:00.000Z', '2026-12-02T03:00:00.000Z'],
    ]);
    expect(iso(free)).toEqual([
      ['2026-12-02T01:00:00.000Z', '2026-12-02T02:00:00.000Z'],
      ['2026-12-02T03:00:00.000Z', '2026-12-02T13:00:00.000Z'],
    ]);
  });

  it('when reading clock times, then only HH:MM is accepted', () => {
    expect(parseClock('08:30')).toBe(510);
    expect(parseClock('24:00')).toBeUndefined();
    expect(parseClock('8:30')).toBeUndefined();
  });
});
