import { describe, it, expect } from 'vitest';
import { pbkdf2Sync } from 'node:crypto';
import { ab64Decode, ab64Encode, hashOdooPassword, verifyOdooPassword } from '../../src/tenant/password.js';

// Known answer from passlib's own test suite (passlib/tests/test_handlers_pbkdf2.py).
const PASSLIB_VECTOR =
  '$pbkdf2-sha512$1212$RHY0Fr3IDMSVO/RSZyb5ow$eNLfBK.eVozomMr.1gYa17k9B7KIK25NOEshvhrSX.esqY3s.FvWZViXz4KoLlQI.BzY/YTNJOiKc5gBYFYGww';

describe('hashOdooPassword', () => {
  it('reproduces passlib pbkdf2_sha512 output for a known salt and rounds', () => {
    const salt = ab64Decode('RHY0Fr3IDMSVO/RSZyb5ow');
    expect(hashOdooPassword('password', { rounds: 1212, salt })).toBe(PASSLIB_VECTOR);
  });

  it('writes passlib adapted base64: "." instead of "+", no padding', () => {
    // 0xfbefbe is "++++" in standard base64; a lone 0xfb is "+w==".
    expect(ab64Encode(Buffer.from([0xfb, 0xef, 0xbe]))).toBe('....');
    expect(ab64Encode(Buffer.from([0xfb]))).toBe('.w');
    const bytes = Buffer.from([0xfb, 0xef, 0xbe, 0xfb]);
    expect(ab64Decode(ab64Encode(bytes))).toEqual(bytes);
  });

  it('defaults to the 600000 rounds of Odoo 17/18 and a fresh 16-byte salt', () => {
    const a = hashOdooPassword('secret');
    const b = hashOdooPassword('secret');
    const [, scheme, rounds, salt, checksum] = a.split('$');
    expect(scheme).toBe('pbkdf2-sha512');
    expect(rounds).toBe('600000');
    expect(ab64Decode(salt)).toHaveLength(16);
    expect(ab64Decode(checksum)).toHaveLength(64);
    expect(a).not.toBe(b);
  });

  it('hashes UTF-8 passwords the way passlib does (pbkdf2 over the UTF-8 bytes)', () => {
    const salt = Buffer.alloc(16, 7);
    const hash = hashOdooPassword('Ιωαννης', { rounds: 10, salt });
    const expected = pbkdf2Sync(Buffer.from('Ιωαννης', 'utf8'), salt, 10, 64, 'sha512');
    expect(ab64Decode(hash.split('$')[4])).toEqual(expected);
  });

  it('verifies its own hashes and passlib hashes, and rejects wrong passwords', () => {
    expect(verifyOdooPassword('password', PASSLIB_VECTOR)).toBe(true);
    expect(verifyOdooPassword('Password', PASSLIB_VECTOR)).toBe(false);
    const h = hashOdooPassword('demo', { rounds: 1000 });
    expect(verifyOdooPassword('demo', h)).toBe(true);
    expect(verifyOdooPassword('demo', 'demo')).toBe(false);
  });
});
