import { describe, expect, it } from 'vitest';
import { shiftDay } from '../../src/dates.js';
import {
  DEFAULT_EMAIL_BADGE,
  emailBadge,
  type BadgeDay,
  type BadgeInputs,
} from '../../src/policy/email-badge.js';

const today = '2026-11-29';
const now = new Date('2026-11-29T12:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * 86_400_000);

/** 30 days spreading `sent` evenly, with the given bounces and complaints on the first day. */
function history(sent: number, extra: Partial<BadgeDay> = {}): BadgeDay[] {
  return Array.from({ length: 30 }, (_, i) => ({
    day: shiftDay(today, i - 29),
    sent: Math.floor(sent / 30) + (i < sent % 30 ? 1 : 0),
    refused: 0,
    hard_bounces: 0,
    soft_bounces: 0,
    complaints: 0,
    ...(i === 0 ? extra : {}),
  }));
}

const healthyPaid = (days: BadgeDay[], more: Partial<BadgeInputs> = {}): BadgeInputs => ({
  days,
  today,
  mode: 'paid',
  createDate: ago(400),
  now,
  apps: ['crm', 'sale_management', 'mass_mailing'],
  ...more,
});

const rule = (badge: ReturnType<typeof emailBadge>, name: string) =>
  badge.reasons.find((r) => r.rule === name)!;

describe('e-mail trust badge', () => {
  it('is green for an old paying database with a healthy bounce rate, and explains every rule in one line', () => {
    const badge = emailBadge(healthyPaid(history(1000, { hard_bounces: 20 })));
    expect(badge.color).toBe('green');
    expect(badge.reasons.map((r) => r.rule)).toEqual([
      'bounce rate',
      'complaint rate',
      'account age',
      'subscription',
      'single purpose',
      'volume jump',
      'past refusals',
    ]);
    expect(rule(badge, 'bounce rate').text).toBe('Bounce rate 2.0 % (20 of 1000): healthy');
    for (const r of badge.reasons) expect(r.text).not.toContain('\n');
  });

  it('judges the bounce rate at its thresholds: 5 % is fine, above 5 % suspicious, above 6 % unacceptable (red)', () => {
    const at = (bounces: number) =>
      emailBadge(healthyPaid(history(1000, { hard_bounces: bounces - 10, soft_bounces: 10 })));
    expect(rule(at(50), 'bounce rate').points).toBe(DEFAULT_EMAIL_BADGE.weights.bounceHealthy);
    expect(rule(at(51), 'bounce rate')).toMatchObject({
      points: DEFAULT_EMAIL_BADGE.weights.bounceSuspicious,
    });
    expect(rule(at(51), 'bounce rate').text).toMatch(/^Bounce rate 5\.1 % .*suspicious above 5 %/);
    expect(at(51).color).toBe('orange');
    expect(at(60).color).toBe('orange');
    expect(at(61).color).toBe('red');
    expect(rule(at(61), 'bounce rate').text).toMatch(/unacceptable above 6 %/);
  });

  it('judges the complaint rate at 0.1 % (suspicious) and 0.5 % (unacceptable)', () => {
    const at = (complaints: number) => emailBadge(healthyPaid(history(1000, { complaints })));
    expect(rule(at(1), 'complaint rate').points).toBe(0);
    expect(rule(at(2), 'complaint rate').points).toBe(DEFAULT_EMAIL_BADGE.weights.complaintSuspicious);
    expect(at(5).color).not.toBe('red');
    expect(at(6).color).toBe('red');
  });

  it('does not judge rates below the minimum volume', () => {
    const badge = emailBadge(healthyPaid(history(99, { hard_bounces: 50, complaints: 10 })));
    expect(rule(badge, 'bounce rate')).toMatchObject({ points: 0 });
    expect(badge.reasons.find((r) => r.rule === 'complaint rate')).toBeUndefined();
    expect(badge.color).not.toBe('red');
  });

  it('is orange for a trial of average age, red for a new trial that only has Email Marketing', () => {
    expect(emailBadge(healthyPaid(history(1000), { mode: 'trial', createDate: ago(60) })).color).toBe(
      'orange',
    );
    const spammy = emailBadge(
      healthyPaid(history(1000), { mode: 'trial', createDate: ago(3), apps: ['mass_mailing'] }),
    );
    expect(spammy.color).toBe('red');
    expect(rule(spammy, 'single purpose').text).toMatch(/Only Email Marketing is installed/);
    expect(rule(spammy, 'account age').text).toBe('Created 3 days ago: younger than 14 days');
  });

  it('counts a sudden jump against the 7-day median, and repeated refusals over the limit', () => {
    const days = history(0).map((d) => ({ ...d, sent: 20 }));
    days[29] = { ...days[29], sent: 61 };
    const jumped = emailBadge(healthyPaid(days));
    expect(rule(jumped, 'volume jump')).toEqual({
      rule: 'volume jump',
      text: '61 sent today: more than 3× the 7-day median (20)',
      points: DEFAULT_EMAIL_BADGE.weights.volumeJump,
    });
    days[29] = { ...days[29], sent: 60 };
    expect(rule(emailBadge(healthyPaid(days)), 'volume jump').points).toBe(0);
    for (const i of [3, 10]) days[i] = { ...days[i], refused: 5 };
    expect(rule(emailBadge(healthyPaid(days)), 'past refusals').points).toBe(0);
    days[20] = { ...days[20], refused: 1 };
    expect(rule(emailBadge(healthyPaid(days)), 'past refusals')).toMatchObject({
      text: 'Refused over the limit on 3 of the last 30 days',
      points: DEFAULT_EMAIL_BADGE.weights.pastRefusals,
    });
  });

  it('takes its weights and thresholds from the policy', () => {
    const strict = {
      ...DEFAULT_EMAIL_BADGE,
      bounceUnacceptable: 0.01,
      weights: { ...DEFAULT_EMAIL_BADGE.weights, paid: 0 },
    };
    const badge = emailBadge(healthyPaid(history(1000, { hard_bounces: 20 })), strict);
    expect(badge.color).toBe('red');
    expect(rule(badge, 'subscription').points).toBe(0);
  });

  it('is never red for a database that sent nothing: a new trial without mail is orange, not lowered', () => {
    const quiet = emailBadge(healthyPaid(history(0), { mode: 'trial', createDate: ago(3), apps: ['crm'] }));
    expect(quiet.score).toBeLessThan(DEFAULT_EMAIL_BADGE.redBelow);
    expect(quiet.color).toBe('orange');
    expect(rule(quiet, 'single purpose').text).toBe('1 application installed');
  });
});
