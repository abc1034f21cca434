import { describe, expect, it } from 'vitest';
import { emailTrust } from '../../src/policy/email-trust.js';

const now = new Date('2026-11-25T12:00:00Z');
const paidOld = { mode: 'paid' as const, create_date: new Date('2025-01-01'), email_daily_count: 10, email_daily_limit: 200 };

describe('e-mail trust score', () => {
  it('scores a paying customer with a clean list high', () => {
    const t = emailTrust(paidOld, { traced: 1000, bounced: 10, mails: 500, failed: 2 }, now);
    expect(t.score).toBeGreaterThanOrEqual(70);
    expect(t.bounceRate).toBeCloseTo(0.01);
  });

  it('tells not to raise when the bounce rate is above 7 %', () => {
    const t = emailTrust(paidOld, { traced: 100, bounced: 8, mails: 50, failed: 0 }, now);
    expect(t.score).toBeLessThan(40);
    expect(t.advice).toMatch(/Do not raise/);
    expect(t.factors.map((f) => f.label).join()).toMatch(/unacceptable/);
  });

  it('marks 5-7 % bounces as suspicious', () => {
    const t = emailTrust(paidOld, { traced: 100, bounced: 6, mails: 50, failed: 0 }, now);
    expect(t.factors.map((f) => f.label).join()).toMatch(/suspicious/);
  });

  it('is cautious with a trial created this week', () => {
    const t = emailTrust(
      { mode: 'trial', create_date: new Date('2026-11-22'), email_daily_count: 50, email_daily_limit: 50 },
      { traced: 0, bounced: 0, mails: 0, failed: 0 },
      now,
    );
    expect(t.score).toBeLessThan(60);
    expect(t.bounceRate).toBeNull();
  });
});
