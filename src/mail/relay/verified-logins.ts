import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Relay logins argon2 has accepted, remembered by this process for a while. A database's Odoo
 * logs in on every connection it opens (smtplib: one per batch of mail, or per message), and
 * argon2 costs tens of milliseconds, hundreds on a busy host: paid on each, it is most of the
 * time of a message. What is kept is an HMAC of the password under a key born with the process
 * (never the password, nothing to guess offline without that key), bound to the stored hash it
 * was checked against: a new password (another hash in the metabase) makes the entry useless.
 * Only a match is answered from here; anything else still goes through argon2, so a wrong
 * password costs what it always did and the time of a refusal says nothing. The caller keeps
 * the lockout around both (a locked login is refused before its password is looked at).
 */
const key = randomBytes(32);
/** After this, argon2 checks the password again. */
const MAX_AGE_MS = 15 * 60_000;
/** One entry per database that logged in lately; far above a hosting region's databases. */
const MAX_ENTRIES = 50_000;
const verified = new Map<string, { passwordHash: string; mac: Buffer; at: number }>();

function macOf(user: string, password: string): Buffer {
  return createHmac('sha256', key).update(`${user}\0${password}`).digest();
}

/** True when argon2 accepted this very password for `user`'s current hash within MAX_AGE_MS. */
export function verifiedBefore(
  user: string,
  passwordHash: string,
  password: string,
  now = Date.now(),
): boolean {
  const entry = verified.get(user);
  if (!entry || entry.passwordHash !== passwordHash || now - entry.at > MAX_AGE_MS) return false;
  return timingSafeEqual(entry.mac, macOf(user, password));
}

/** Remembers a password argon2 has just accepted against `passwordHash`. */
export function rememberVerified(
  user: string,
  passwordHash: string,
  password: string,
  now = Date.now(),
): void {
  verified.delete(user);
  if (verified.size >= MAX_ENTRIES) verified.delete(verified.keys().next().value!);
  verified.set(user, { passwordHash, mac: macOf(user, password), at: now });
}
