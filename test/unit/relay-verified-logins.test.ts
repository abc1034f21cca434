import { describe, expect, it } from 'vitest';
import { rememberVerified, verifiedBefore } from '../../src/mail/relay/verified-logins.js';

describe('relay logins argon2 accepted lately', () => {
  const now = Date.UTC(2026, 11, 8, 4);

  it('recognises the same password for the same stored hash, within the quarter hour', () => {
    rememberVerified('acme', '$argon2id$one', 'right', now);
    expect(verifiedBefore('acme', '$argon2id$one', 'right', now + 60_000)).toBe(true);
    expect(verifiedBefore('acme', '$argon2id$one', 'right', now + 16 * 60_000)).toBe(false);
  });

  it('never answers for another password, another stored hash or another login', () => {
    rememberVerified('bakery', '$argon2id$one', 'right', now);
    expect(verifiedBefore('bakery', '$argon2id$one', 'wrong', now)).toBe(false);
    expect(verifiedBefore('bakery', '$argon2id$new-password', 'right', now)).toBe(false);
    expect(verifiedBefore('other', '$argon2id$one', 'right', now)).toBe(false);
  });
});
