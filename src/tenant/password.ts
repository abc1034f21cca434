import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Odoo 17/18 refuse to hash with fewer rounds (res_users.py MIN_ROUNDS). */
export const ODOO_PASSWORD_ROUNDS = 600_000;

/**
 * Demo and test users are hashed with far fewer rounds: 600k rounds cost ~0.5 s of CPU per
 * user, which would dominate seeding ~150 demo users. Odoo (passlib) reads the rounds from
 * the hash itself, so these hashes still verify in a real Odoo; passlib merely flags them
 * for re-hashing at the user's next login.
 */
export const DEMO_PASSWORD_ROUNDS = 1000;

const SALT_BYTES = 16; // passlib pbkdf2_sha512 default_salt_size
const CHECKSUM_BYTES = 64; // sha512 digest size

/** passlib's "adapted base64": standard alphabet with '.' instead of '+', no padding. */
export function ab64Encode(data: Buffer): string {
  return data.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
}

export function ab64Decode(text: string): Buffer {
  return Buffer.from(text.replace(/\./g, '+'), 'base64');
}

export interface HashOptions {
  rounds?: number;
  /** Fixed salt, for known-answer tests only. */
  salt?: Buffer;
}

/** Hashes like passlib's pbkdf2_sha512, the scheme Odoo stores in res_users.password. */
export function hashOdooPassword(plain: string, opts: HashOptions = {}): string {
  const rounds = opts.rounds ?? ODOO_PASSWORD_ROUNDS;
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`invalid pbkdf2 rounds: ${rounds}`);
  const salt = opts.salt ?? randomBytes(SALT_BYTES);
  const checksum = pbkdf2Sync(Buffer.from(plain, 'utf8'), salt, rounds, CHECKSUM_BYTES, 'sha512');
  return `$pbkdf2-sha512$${rounds}$${ab64Encode(salt)}$${ab64Encode(checksum)}`;
}

/** Checks a plain password against a `$pbkdf2-sha512$` hash; any other format does not match. */
export function verifyOdooPassword(plain: string, stored: string): boolean {
  const m = /^\$pbkdf2-sha512\$(\d+)\$([A-Za-z0-9./]+)\$([A-Za-z0-9./]+)$/.exec(stored);
  if (!m) return false;
  const expected = ab64Decode(m[3]);
  const actual = pbkdf2Sync(
    Buffer.from(plain, 'utf8'),
    ab64Decode(m[2]),
    Number(m[1]),
    expected.length,
    'sha512',
  );
  return expected.length === CHECKSUM_BYTES && timingSafeEqual(actual, expected);
}
