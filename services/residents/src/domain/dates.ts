/** Calendar arithmetic in the community's own time zone (Dunhuang keeps Beijing time). */
export const COMMUNITY_TIME_ZONE = 'Asia/Shanghai';

/** Built once: constructing a formatter costs far more than formatting (an age is read per row). */
const communityDate = new Intl.DateTimeFormat('en-CA', { timeZone: COMMUNITY_TIME_ZONE });

/** Today's date (YYYY-MM-DD) in the community. */
export function today(now: Date = new Date()): string {
  return communityDate.format(now);
}

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
}

/** `date` shifted by whole years (Feb 29 becomes Feb 28 in common years) and days. */
export function shift(date: string, years: number, days = 0): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const ty = y + years;
  const lastDay = new Date(Date.UTC(ty, m, 0)).getUTCDate();
  const shifted = new Date(Date.UTC(ty, m - 1, Math.min(d, lastDay) + days));
  return shifted.toISOString().slice(0, 10);
}

/** Age in whole years on `on`. */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = on.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}
