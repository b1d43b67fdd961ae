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

/**
 * Errors are logged without the properties where drivers keep the statement and its values
 * (TypeORM's `query` / `parameters`, pg's `detail` such as "Key (id_card_number)=(...)"): a
 * failed INSERT of a resident must not put an ID-card number into a log line.
 */
function serializeError(err: unknown): unknown {
  const plain = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (!plain || typeof plain !== 'object') return plain;
  const { query: _q, parameters: _p, detail: _d, driverError: _de, where: _w, ...rest } = plain;
  return rest;
}

/** A JSON logger for one process; every line carries the service name. */
export function createLogger(
  service: string,
  level: string,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
