import { isIPv6 } from 'node:net';
import type { MetabaseDb } from './metabase/connect.js';
import { countLoginAttempt, refundLoginAttempt } from './metabase/repositories/login-throttle.js';

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
 * Runs a password check unless one of the keys is locked out, for every login that is not an
 * agent's own (the mail relay's AUTH, the HTTP Basic of /logs). Each attempt is counted before
 * the check, on every key at once, so parallel guesses cannot all pass a "not locked yet" read;
 * a success gives its attempt back, so only failures stay counted. Past `maxFailures` every
 * attempt is refused, the right password included, until the window ends. An unknown login is
 * counted and answered exactly like a known one.
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
  const counts = await countLoginAttempt(
    db,
    keys.map((k) => k.key),
    LOCKOUT_WINDOW_MINUTES,
  );
  const over = counts.filter((c) => c.attempts > keys.find((k) => k.key === c.key)!.maxFailures);
  if (over.length) return { outcome: 'locked', retryAfterSeconds: Math.max(...over.map((c) => c.retryAfter)) };
  const value = await check();
  if (value === undefined) return { outcome: 'refused' };
  await refundLoginAttempt(
    db,
    keys.map((k) => k.key),
    [],
  );
  return { outcome: 'accepted', value };
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
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
