import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isValidDatabaseName } from '../../hosting/database-name.js';

/**
 * How long a bounce address is answered: delivery reports come within the senders' retry time
 * (days), feedback-loop complaints can take weeks. An older report changes nothing.
 */
export const BOUNCE_ADDRESS_DAYS = 30;
/** Tolerated clock difference between two platform processes. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** bounce+<database>+<sent at, base-36 seconds>-<8 hex nonce>-<16 hex signature> */
const TAG = /^([0-9a-z]{1,10})-([0-9a-f]{8})-([0-9a-f]{16})$/;

function signature(secret: Buffer, database: string, stamp: string, nonce: string): string {
  return createHmac('sha256', secret)
    .update(`dbtools verp\0${database}\0${stamp}\0${nonce}`)
    .digest('hex')
    .slice(0, 16);
}

/**
 * The envelope sender of one forwarded copy (one recipient): bounces and feedback reports
 * come back to it. It names the database and is signed with the platform secret over the
 * database, the time and a nonce: only the relay can mint one, so a report to it answers a
 * message the relay really sent for that database, and a report counts once per address
 * (src/mail/bounces). 64 bits of signature: guessing one takes 2^63 SMTP sessions.
 */
export function bounceAddress(secret: Buffer, database: string, bounceDomain: string, at: Date): string {
  const stamp = Math.floor(at.getTime() / 1000).toString(36);
  const nonce = randomBytes(4).toString('hex');
  return `bounce+${database}+${stamp}-${nonce}-${signature(secret, database, stamp, nonce)}@${bounceDomain}`;
}

export interface BounceTag {
  database: string;
  /** The part after the database: unique per forwarded copy. */
  tag: string;
}

/**
 * The database and tag of a bounce address the relay minted, still in its time; undefined for
 * anything else (another domain, unsigned, signed for another database, expired), without
 * saying which.
 */
export function verifyBounceAddress(
  secret: Buffer,
  address: string,
  bounceDomain: string,
  now: Date,
): BounceTag | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== bounceDomain.toLowerCase()) return undefined;
  const local = address.slice(0, at).toLowerCase();
  if (!local.startsWith('bounce+')) return undefined;
  const plus = local.lastIndexOf('+');
  const database = local.slice('bounce+'.length, plus);
  const tag = local.slice(plus + 1);
  const m = TAG.exec(tag);
  if (!m || !isValidDatabaseName(database)) return undefined;
  const [, stamp, nonce, given] = m;
  const expected = signature(secret, database, stamp, nonce);
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return undefined;
  const sentAt = parseInt(stamp, 36) * 1000;
  const age = now.getTime() - sentAt;
  if (age < -CLOCK_SKEW_MS || age > BOUNCE_ADDRESS_DAYS * 86_400_000) return undefined;
  return { database, tag };
}
