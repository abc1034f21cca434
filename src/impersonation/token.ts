import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What the token carries: enough for the tenant's login hook, nothing secret. */
export interface ImpersonationClaims {
  /** Database name. */
  db: string;
  /** res_users.id to sign in as. */
  uid: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Random: two tokens for the same user never collide. */
  nonce: string;
}

export type TokenCheck =
  { ok: true; claims: ImpersonationClaims } | { ok: false; reason: 'tampered' | 'expired' };

const CONTEXT = 'dbtools impersonation v1\0';

function mac(secret: Buffer, payload: string): Buffer {
  return createHmac('sha256', secret)
    .update(CONTEXT + payload)
    .digest();
}

/** `<base64url(claims)>.<base64url(hmac)>`: signed with the platform secret. */
export function signImpersonationToken(secret: Buffer, claims: Omit<ImpersonationClaims, 'nonce'>): string {
  const payload = Buffer.from(
    JSON.stringify({ ...claims, nonce: randomBytes(16).toString('base64url') }),
  ).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** Checks the signature first, so nothing of a forged token is believed, then the expiry. */
export function checkImpersonationToken(secret: Buffer, token: string, now: Date): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, reason: 'tampered' };
  const [payload, signature] = parts;
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'tampered' };
  let claims: ImpersonationClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ImpersonationClaims;
  } catch {
    return { ok: false, reason: 'tampered' };
  }
  if (typeof claims.exp !== 'number' || typeof claims.uid !== 'number' || typeof claims.db !== 'string') {
    return { ok: false, reason: 'tampered' };
  }
  if (claims.exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

/** The metabase keeps only this: a leaked table holds no usable link. */
export function impersonationTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
