const HOUR = 3_600_000;

/** `hour` o'clock in the community's time (UTC+8), `days` from today, as an ISO instant. */
export function inDaysAt(days: number, hour: number): string {
  const day =
    Math.floor((Date.now() + 8 * HOUR) / (24 * HOUR)) * 24 * HOUR - 8 * HOUR + days * 24 * HOUR;
  return new Date(day + hour * HOUR).toISOString();
}
