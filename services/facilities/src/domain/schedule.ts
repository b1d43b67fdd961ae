import { COMMUNITY_UTC_OFFSET_MS } from '@liyuan/kit';
import type { Facility, Interval, RejectionReason } from './model';

const DAY_MS = 86_400_000;
/** The longest single booking. */
export const MAX_BOOKING_MS = 12 * 3_600_000;

/** Local midnight (as an instant) of the local day containing `t`. */
export const localMidnight = (t: Date): number =>
  Math.floor((t.getTime() + COMMUNITY_UTC_OFFSET_MS) / DAY_MS) * DAY_MS - COMMUNITY_UTC_OFFSET_MS;

/** `HH:MM` → minutes after midnight; undefined when malformed. */
export function parseClock(value: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Minutes after midnight → `HH:MM`. */
export const formatClock = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/**
 * Whether a facility can take a booking of `attendees` for [start, end) at `now`, or why not. The
 * overlap with other bookings is the database's to decide (an exclusion constraint), not this.
 */
export function bookingRejection(
  facility: Facility,
  start: Date,
  end: Date,
  attendees: number,
  now: Date,
): RejectionReason | null {
  if (!(end.getTime() > start.getTime()) || end.getTime() - start.getTime() > MAX_BOOKING_MS)
    return 'invalid_period';
  if (facility.status !== 'open') return 'facility_closed';
  if (start.getTime() < now.getTime()) return 'in_the_past';
  const midnight = localMidnight(start);
  const opens = midnight + facility.opensAt * 60_000;
  const closes = midnight + facility.closesAt * 60_000;
  if (start.getTime() < opens || end.getTime() > closes) return 'outside_opening_hours';
  if (attendees > facility.capacity) return 'over_capacity';
  return null;
}

/** Opening windows of the facility that intersect [from, to), day by day. */
export function openingWindows(facility: Facility, from: Date, to: Date): Interval[] {
  const windows: Interval[] = [];
  for (let day = localMidnight(from); day < to.getTime(); day += DAY_MS) {
    const start = Math.max(day + facility.opensAt * 60_000, from.getTime());
    const end = Math.min(day + facility.closesAt * 60_000, to.getTime());
    if (end > start) windows.push({ start: new Date(start), end: new Date(end) });
  }
  return windows;
}

/**
 * Free and booked time inside opening hours: the opening windows minus the held bookings, and the
 * held bookings clipped to the windows.
 */
export function availability(
  facility: Facility,
  from: Date,
  to: Date,
  held: Interval[],
): { free: Interval[]; booked: Interval[] } {
  const sorted = [...held].sort((a, b) => a.start.getTime() - b.start.getTime());
  const free: Interval[] = [];
  const booked: Interval[] = [];
  for (const w of openingWindows(facility, from, to)) {
    let cursor = w.start.getTime();
    for (const b of sorted) {
      const s = Math.max(b.start.getTime(), w.start.getTime());
      const e = Math.min(b.end.getTime(), w.end.getTime());
      if (e <= s) continue;
      if (s > cursor) free.push({ start: new Date(cursor), end: new Date(s) });
      booked.push({ start: new Date(s), end: new Date(e) });
      cursor = Math.max(cursor, e);
    }
    if (cursor < w.end.getTime()) free.push({ start: new Date(cursor), end: w.end });
  }
  return { free, booked };
}
