import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError, unauthenticated } from './errors';

/** Roles carried in the access token (see DOMAIN.md). */
export const ROLES = [
  'resident',
  'grid_member',
  'volunteer_lead',
  'party_secretary',
  'mediator',
  'facility_manager',
  'staff',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the gateway's verified view of the access token, or anonymous. */
export interface Caller {
  userId: string | null;
  roles: Role[];
  residentId?: string;
  gridIds: string[];
}

export const ANONYMOUS: Caller = Object.freeze({ userId: null, roles: [], gridIds: [] }) as Caller;

export const callerSchema = z.object({
  userId: z.string().min(1).nullable(),
  roles: z.array(z.enum(ROLES)),
  residentId: z.uuid().optional(),
  gridIds: z.array(z.uuid()).default([]),
});

/** Header names of the signed identity the gateway forwards to subgraphs. */
export const IDENTITY_HEADERS = {
  caller: 'x-liyuan-caller',
  timestamp: 'x-liyuan-caller-ts',
  signature: 'x-liyuan-caller-sig',
} as const;

function mac(secret: string, timestamp: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest();
}

/**
 * Headers carrying `caller` signed with the shared secret. The timestamp is inside the MAC so a
 * captured header set stops working after the allowed skew.
 */
export function signCaller(
  caller: Caller,
  secret: string,
  now = Date.now(),
): Record<string, string> {
  const payload = Buffer.from(JSON.stringify(caller)).toString('base64url');
  const timestamp = String(now);
  return {
    [IDENTITY_HEADERS.caller]: payload,
    [IDENTITY_HEADERS.timestamp]: timestamp,
    [IDENTITY_HEADERS.signature]: mac(secret, timestamp, payload).toString('base64url'),
  };
}

/**
 * Verifies the signed identity headers of a request and returns the caller. Any missing, stale or
 * forged header is UNAUTHENTICATED: there is no anonymous path around the gateway.
 */
export function verifyCaller(
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  maxSkewSeconds: number,
  now = Date.now(),
): Caller {
  const one = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const payload = one(IDENTITY_HEADERS.caller);
  const timestamp = one(IDENTITY_HEADERS.timestamp);
  const signature = one(IDENTITY_HEADERS.signature);
  if (!payload || !timestamp || !signature) throw unauthenticated('missing gateway signature');
  const expected = mac(secret, timestamp, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw unauthenticated('invalid gateway signature');
  }
  const ts = Number(timestamp);
  if (!Number.isFinite(ts) || Math.abs(now - ts) > maxSkewSeconds * 1000) {
    throw unauthenticated('stale gateway signature');
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw unauthenticated('malformed caller');
  }
  const parsed = callerSchema.safeParse(decoded);
  if (!parsed.success) throw unauthenticated('malformed caller');
  return parsed.data;
}

/** True when the caller holds any of `roles`. */
export const hasRole = (caller: Caller, ...roles: Role[]): boolean =>
  caller.roles.some((r) => roles.includes(r));

export { AppError };
