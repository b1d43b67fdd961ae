/**
 * Rules for the two personal fields of the registry: the resident ID-card number (GB 11643) and the
 * mobile phone. Both are masked unless the caller may see them; neither ever leaves the service in
 * an event, a log line or an error message.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character of the first 17 digits (ISO 7064 MOD 11-2). */
export function idCardCheckDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return CHECK[sum % 11] ?? '';
}

/** True for an 18-character ID-card number whose embedded birth date is real and whose check digit is right. */
export function isValidIdCardNumber(value: string): boolean {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  const y = Number(value.slice(6, 10));
  const m = Number(value.slice(10, 12));
  const d = Number(value.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return false;
  return idCardCheckDigit(value.slice(0, 17)) === value[17];
}

/** The birth date (YYYY-MM-DD) embedded in an ID-card number. */
export const birthDateOfIdCard = (value: string): string =>
  `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;

/** Mainland mobile numbers: 11 digits starting with 1. */
export const isValidPhone = (value: string): boolean => /^1[3-9]\d{9}$/.test(value);

/** `330102199001011234` → `3301**********1234`. */
export const maskIdCardNumber = (value: string): string =>
  value.length <= 8
    ? '*'.repeat(value.length)
    : `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`;

/** `13812345678` → `138****5678`. */
export const maskPhone = (value: string): string =>
  value.length <= 7
    ? '*'.repeat(value.length)
    : `${value.slice(0, 3)}${'*'.repeat(value.length - 7)}${value.slice(-4)}`;
