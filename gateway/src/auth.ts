import { readFileSync } from 'node:fs';
import {
  SignJWT,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  errors as joseErrors,
  type JSONWebKeySet,
} from 'jose';
import { z } from 'zod';
import { ANONYMOUS, ROLES, unauthenticated, type Caller, type Role } from '@liyuan/kit';

export interface JwtSettings {
  /** HS256 shared secret (development). */
  secret?: string;
  /** A JWKS file or URL whose keys verify RS256 and ES256 tokens. */
  jwksPath?: string;
  jwksUrl?: string;
  issuer: string;
  audience: string;
  /**
   * The longest a token may live: its `exp` at most this many seconds after its `iat`, and no
   * token older than this is accepted. Tokens without `exp` or `iat` are refused whatever it is.
   */
  maxLifetimeSeconds?: number;
}

/** Default maximum token lifetime (24 h); development tokens live 12 h. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;
/** Tolerated clock difference between the token's issuer and the gateway. */
const CLOCK_TOLERANCE_SECONDS = 30;

type KeyResolver = ReturnType<typeof createLocalJWKSet>;
const keySets = new WeakMap<JwtSettings, KeyResolver | null>();

/** The settings' key set, loaded once (a URL's keys are fetched and cached by jose). */
function keySetOf(jwt: JwtSettings): KeyResolver | null {
  let set = keySets.get(jwt);
  if (set === undefined) {
    set = jwt.jwksPath
      ? createLocalJWKSet(JSON.parse(readFileSync(jwt.jwksPath, 'utf8')) as JSONWebKeySet)
      : jwt.jwksUrl
        ? createRemoteJWKSet(new URL(jwt.jwksUrl))
        : null;
    keySets.set(jwt, set);
  }
  return set;
}

const claims = z.object({
  sub: z.string().min(1),
  roles: z.array(z.enum(ROLES)).min(1),
  residentId: z.uuid().optional(),
  gridIds: z.array(z.uuid()).optional(),
});

/**
 * The caller of a request: anonymous without an Authorization header, else the verified token's
 * subject and roles. A present but bad token (expired, forged, wrong issuer or audience, malformed
 * claims, no `exp` or `iat`, a lifetime over the maximum) is UNAUTHENTICATED; it never silently
 * downgrades to anonymous.
 */
export async function callerFromAuthorization(
  header: string | undefined,
  jwt: JwtSettings,
): Promise<Caller> {
  return (await verifyAuthorization(header, jwt)).caller;
}

/** As {@link callerFromAuthorization}, with when the token expires (ms; null when anonymous). */
export async function verifyAuthorization(
  header: string | undefined,
  jwt: JwtSettings,
): Promise<{ caller: Caller; expiresAt: number | null }> {
  if (!header) return { caller: ANONYMOUS, expiresAt: null };
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match?.[1]) throw unauthenticated('Authorization must be "Bearer <token>"');
  const token = match[1];
  try {
    const { alg } = decodeProtectedHeader(token);
    const maxLifetime = jwt.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    const options = {
      issuer: jwt.issuer,
      audience: jwt.audience,
      // A token that never expires, or whose age cannot be told, is a credential for ever.
      requiredClaims: ['exp', 'iat'],
      maxTokenAge: maxLifetime,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    };
    const keys = keySetOf(jwt);
    let verified;
    if (alg === 'HS256' && jwt.secret) {
      verified = await jwtVerify(token, new TextEncoder().encode(jwt.secret), {
        ...options,
        algorithms: ['HS256'],
      });
    } else if ((alg === 'RS256' || alg === 'ES256') && keys) {
      verified = await jwtVerify(token, keys, { ...options, algorithms: ['RS256', 'ES256'] });
    } else {
      throw unauthenticated(`tokens signed with ${String(alg)} are not accepted`);
    }
    const { payload } = verified;
    if (payload.exp! - payload.iat! > maxLifetime)
      throw unauthenticated(`token lifetime exceeds the maximum of ${maxLifetime} s`);
    const c = claims.parse(payload);
    return {
      caller: { userId: c.sub, roles: c.roles, residentId: c.residentId, gridIds: c.gridIds ?? [] },
      expiresAt: payload.exp! * 1000,
    };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw unauthenticated('token expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed && err.reason === 'missing') {
      if (err.claim === 'exp') throw unauthenticated('token has no expiry (exp)');
      if (err.claim === 'iat') throw unauthenticated('token has no issue time (iat)');
    }
    if (err instanceof Error && err.name === 'AppError') throw err;
    throw unauthenticated('invalid token');
  }
}

function secretOf(jwt: JwtSettings): string {
  if (!jwt.secret) throw new Error('JWT_SECRET is not set: development tokens need it');
  return jwt.secret;
}

/** Issues an HS256 development token (used by `npm run token`, `npm start` and the tests). */
export async function issueToken(
  jwt: JwtSettings,
  claimsIn: { sub: string; roles: Role[]; residentId?: string; gridIds?: string[] },
  ttl = '12h',
): Promise<string> {
  return new SignJWT({
    roles: claimsIn.roles,
    residentId: claimsIn.residentId,
    gridIds: claimsIn.gridIds,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claimsIn.sub)
    .setIssuer(jwt.issuer)
    .setAudience(jwt.audience)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(new TextEncoder().encode(secretOf(jwt)));
}
