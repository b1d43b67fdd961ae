import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Paths whose values never reach a log line. Personal data is kept out of logs by construction
 * (events and errors carry ids only), and this list is the second line of defence.
 */
const REDACT = [
  'idCardNumber',
  'phone',
  '*.idCardNumber',
  '*.phone',
  '*.*.idCardNumber',
  '*.*.phone',
  'req.headers.authorization',
  'headers.authorization',
];

/** A JSON logger for one process; every line carries the service name. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
