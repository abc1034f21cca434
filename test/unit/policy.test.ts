import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { Policy } from '../../src/policy/policy.js';

const policy = new Policy(loadConfig({}), Buffer.from('a fixed secret for the tests'));
const day = new Date('2026-03-14T09:00:00Z');

describe('Policy', () => {
  it('gives each level the limits of the issue; levels below 2 have none, above 5 those of 5', () => {
    expect(policy.limits(0)).toEqual({
      trialDays: 0,
      emailLimit: 0,
      duplicateLimit: null,
      duplicateExtensionDays: 0,
    });
    expect(policy.limits(1)).toEqual(policy.limits(0));
    expect(policy.limits(2)).toEqual({
      trialDays: 30,
      emailLimit: 1_000,
      duplicateLimit: null,
      duplicateExtensionDays: 2,
    });
    expect(policy.limits(3)).toEqual({
      trialDays: 90,
      emailLimit: 5_000,
      duplicateLimit: 10,
      duplicateExtensionDays: 7,
    });
    expect(policy.limits(4)).toEqual({
      trialDays: 365,
      emailLimit: 50_000,
      duplicateLimit: 50,
      duplicateExtensionDays: 30,
    });
    expect(policy.limits(5)).toEqual({
      trialDays: 3_650,
      emailLimit: 1_000_000,
      duplicateLimit: 500,
      duplicateExtensionDays: 90,
    });
    expect(policy.limits(9)).toEqual(policy.limits(5));
  });

  it('allows a key from its access-map level up, and nobody a key missing from the map', () => {
    expect(policy.allows(1, 'expire_date')).toBe(false);
    expect(policy.allows(2, 'expire_date')).toBe(true);
    expect(policy.allows(5, 'expire_date')).toBe(true);
    expect(policy.allows(2, 'duplicate_limit')).toBe(false);
    expect(policy.allows(3, 'duplicate_limit')).toBe(true);
    expect(policy.allows(1_000, 'no_such_key')).toBe(false);
    expect(policy.levelName(3)).toBe('Technical Support');
  });

  it('a validation number is six digits, stable through the day for one agent, database and operation', () => {
    const n = policy.validationNumber(7, 'acme-bakery', 'drop', day);
    expect(n).toMatch(/^[1-9]\d{5}$/);
    expect(policy.validationNumber(7, 'acme-bakery', 'drop', new Date('2026-03-14T23:59:59Z'))).toBe(n);
    expect(policy.validationNumber(7, 'acme-bakery', 'drop', new Date('2026-03-14T00:00:00Z'))).toBe(n);
    expect(
      new Policy(loadConfig({}), Buffer.from('a fixed secret for the tests')).validationNumber(
        7,
        'acme-bakery',
        'drop',
        day,
      ),
    ).toBe(n);
  });

  it('a validation number changes with the day, the agent, the database, the operation and the secret', () => {
    const n = policy.validationNumber(7, 'acme-bakery', 'drop', day);
    const others = [
      policy.validationNumber(7, 'acme-bakery', 'drop', new Date('2026-03-15T09:00:00Z')),
      policy.validationNumber(8, 'acme-bakery', 'drop', day),
      policy.validationNumber(7, 'acme-bakery2', 'drop', day),
      policy.validationNumber(7, 'acme-bakery', 'upgrade', day),
      new Policy(loadConfig({}), Buffer.from('another secret')).validationNumber(
        7,
        'acme-bakery',
        'drop',
        day,
      ),
    ];
    for (const other of others) expect(other).not.toBe(n);
  });
});
