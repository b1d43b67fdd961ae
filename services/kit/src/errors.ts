import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { z } from 'zod';

/** The error codes a client can act on; anything else is an internal error. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'SUBGRAPH_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

/** The one error type of the domain and the edges; mapped to a GraphQL error with its code. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    /** For RATE_LIMITED: when the caller may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Too many requests from one caller; the HTTP answer is 429 with Retry-After. */
export const rateLimited = (retryAfterSeconds: number): AppError =>
  new AppError(
    'RATE_LIMITED',
    `too many requests; retry after ${retryAfterSeconds} s`,
    undefined,
    retryAfterSeconds,
  );

/** Input that fails validation; `field` is the argument path, e.g. `input.birthDate`. */
export const badInput = (field: string, message: string): AppError =>
  new AppError('BAD_USER_INPUT', message, field);

export const notFound = (what: string, id: string, field?: string): AppError =>
  new AppError('NOT_FOUND', `${what} ${id} does not exist`, field);

export const forbidden = (message = 'not allowed for this caller'): AppError =>
  new AppError('FORBIDDEN', message);

export const unauthenticated = (message = 'authentication required'): AppError =>
  new AppError('UNAUTHENTICATED', message);

export const conflict = (message: string, field?: string): AppError =>
  new AppError('CONFLICT', message, field);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id argument, refused as BAD_USER_INPUT naming `field` unless it is a UUID. */
export function idArg(value: string, field: string): string {
  if (!UUID.test(value)) throw badInput(field, `${field}: must be a valid id`);
  return value;
}

/**
 * Validates `value` with a zod schema; the first issue becomes a BAD_USER_INPUT naming the field
 * under `prefix` (e.g. `input.name`).
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: string,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  throw badInput(path, `${path}: ${issue?.message ?? 'invalid'}`);
}

/**
 * Apollo `formatError`: known errors keep their code and field; unknown ones are reported as
 * INTERNAL_SERVER_ERROR without their message, since it may carry data the caller must not see.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  error: unknown,
  onInternal: (error: unknown) => void,
): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof AppError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return formatted;
  onInternal(original ?? error);
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * The code an error is counted under in `graphql_errors_total`: the one the caller sees (see
 * formatGraphQLError): an AppError's own, a GraphQL error's `extensions.code`, and
 * INTERNAL_SERVER_ERROR for everything else. A driver's or the system's code on the original error
 * (ECONNREFUSED, a SQLSTATE) is not one: counted under it, a database outage never reached the
 * InternalErrorsRatio alert (found by the soak, `npm run soak`).
 */
export function errorMetricCode(error: GraphQLError): string {
  const original = error.originalError;
  if (original instanceof AppError) return original.code;
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}
