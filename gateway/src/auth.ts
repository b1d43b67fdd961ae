import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { ANONYMOUS, ROLES, unauthenticated, type Caller, type Role } from '@liyuan/kit';

export interface JwtSettings {
  secret: string;
  issuer: string;
  audience: string;
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
 * claims) is UNAUTHENTICATED; it never silently downgrades to anonymous.
 */
export async function callerFromAuthorization(
  header: string | undefined,
  jwt: JwtSettings,
): Promise<Caller> {
  if (!header) return ANONYMOUS;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match?.[1]) throw unauthenticated('Authorization must be "Bearer <token>"');
  try {
    const { payload } = await jwtVerify(match[1], new TextEncoder().encode(jwt.secret), {
      issuer: jwt.issuer,
      audience: jwt.audience,
      algorithms: ['HS256'],
    });
    const c = claims.parse(payload);
    return { userId: c.sub, roles: c.roles, residentId: c.residentId, gridIds: c.gridIds ?? [] };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw unauthenticated('token expired');
    throw unauthenticated('invalid token');
  }
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
    .sign(new TextEncoder().encode(jwt.secret));
}
