import { isIPv6 } from 'node:net';
import type { MetabaseDb } from './metabase/connect.js';
import {
  countLoginAttempt,
  readLoginAttempts,
  refundLoginAttempt,
} from './metabase/repositories/login-throttle.js';

/**
 * How long a window of counted attempts lasts: a key locked out opens again once the window
 * that started with its first failure ends.
 */
export const LOCKOUT_WINDOW_MINUTES = 15;

/** A key attempts are counted on (a login, an address) and the failures it takes in a window. */
export interface LockoutKey {
  key: string;
  maxFailures: number;
}

export type Guarded<T> =
  | { outcome: 'accepted'; value: T }
  | { outcome: 'refused' }
  | { outcome: 'locked'; retryAfterSeconds: number };

/**
 * Checks running at once on one key, beyond which more are refused as locked. Without it a
 * burst of parallel guesses would all pass the "not locked yet" read before their failures are
 * counted; with it a burst gets this many at most. Far above what one database's Odoo workers
 * (or one hosting server's databases) open at once, so good logins never meet it.
 */
export const MAX_CHECKS_AT_ONCE = 40;

/**
 * Runs a password check unless one of the keys is locked out, for every login that is not an
 * agent's own (the mail relay's AUTH, the HTTP Basic of /logs). Only failures are counted (a
 * key's window starts at its first failure); past `maxFailures` every attempt is refused, the
 * right password included, until the window ends. Successes leave the counts alone, so a
 * database's own logins never lock it out and never wipe a guesser's failures. An unknown login
 * is counted and answered exactly like a known one.
 *
 * The counts live in the metabase (login_throttle, beside the console's own login attempts),
 * not in process memory: every platform process runs a relay and serves /logs, and a guesser
 * spreading attempts over them, or waiting for a restart, must meet the same count.
 */
export async function withLockout<T>(
  db: MetabaseDb,
  keys: LockoutKey[],
  check: () => Promise<T | undefined>,
): Promise<Guarded<T>> {
  const failureKeys = keys.map((k) => k.key);
  const checkKeys = failureKeys.map((k) => `${k} checking`);
  const [checking, failures] = await Promise.all([
    countLoginAttempt(db, checkKeys, LOCKOUT_WINDOW_MINUTES),
    readLoginAttempts(db, failureKeys, LOCKOUT_WINDOW_MINUTES),
  ]);
  try {
    const over = [
      ...failures.filter((c) => c.attempts >= keys.find((k) => k.key === c.key)!.maxFailures),
      // A burst ends within seconds: a minute is enough to come back.
      ...checking.filter((c) => c.attempts > MAX_CHECKS_AT_ONCE).map((c) => ({ ...c, retryAfter: 60 })),
    ];
    if (over.length)
      return { outcome: 'locked', retryAfterSeconds: Math.max(...over.map((c) => c.retryAfter)) };
    const value = await check();
    if (value !== undefined) return { outcome: 'accepted', value };
    await countLoginAttempt(db, failureKeys, LOCKOUT_WINDOW_MINUTES);
    return { outcome: 'refused' };
  } finally {
    await refundLoginAttempt(db, checkKeys, []);
  }
}

/**
 * The address part of a lockout key: an IPv4 address as it is, an IPv6 one by its /64 (one
 * customer line gets a whole /64, so single addresses would cost a guesser nothing).
 */
export function lockoutAddress(remoteAddress: string | undefined): string {
  const address = (remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (!isIPv6(address)) return address;
  const [head, tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
