import { z } from 'zod';
import { shiftDay } from '../dates.js';

/**
 * The trust badge's rules: thresholds and weights (points added to a base score), overridable in
 * the policy file under `emailBadge`. Rates follow the page's guidance: bounces above 5 % are
 * suspicious and above 6-7 % unacceptable; complaints above 0.1 % suspicious, 0.5 % unacceptable.
 */
export const emailBadgeSchema = z
  .object({
    baseScore: z.number(),
    /** At or above: green (unless a rule is unacceptable). */
    greenFrom: z.number(),
    /** Below: red. */
    redBelow: z.number(),
    /** Rates are judged only above this many messages in the 30 days. */
    minVolume: z.number().int().min(0),
    bounceSuspicious: z.number().min(0).max(1),
    bounceUnacceptable: z.number().min(0).max(1),
    complaintSuspicious: z.number().min(0).max(1),
    complaintUnacceptable: z.number().min(0).max(1),
    newAccountDays: z.number().int().min(0),
    oldAccountDays: z.number().int().min(0),
    /** Today against the median of the 7 days before: a jump is this many times more. */
    jumpFactor: z.number().min(1),
    /** Days with refusals over the limit (30 days) from which it counts against the database. */
    refusalDays: z.number().int().min(1),
    weights: z
      .object({
        bounceHealthy: z.number(),
        bounceSuspicious: z.number(),
        bounceUnacceptable: z.number(),
        complaintSuspicious: z.number(),
        complaintUnacceptable: z.number(),
        newAccount: z.number(),
        oldAccount: z.number(),
        paid: z.number(),
        trial: z.number(),
        singlePurpose: z.number(),
        volumeJump: z.number(),
        pastRefusals: z.number(),
      })
      .strict(),
  })
  .strict();

export type EmailBadgePolicy = z.infer<typeof emailBadgeSchema>;

/** What the policy file may give: any of the keys, any of the weights. */
export const emailBadgeFileSchema = emailBadgeSchema
  .extend({ weights: emailBadgeSchema.shape.weights.partial() })
  .partial();

export const DEFAULT_EMAIL_BADGE: EmailBadgePolicy = {
  baseScore: 60,
  greenFrom: 70,
  redBelow: 40,
  minVolume: 100,
  bounceSuspicious: 0.05,
  bounceUnacceptable: 0.06,
  complaintSuspicious: 0.001,
  complaintUnacceptable: 0.005,
  newAccountDays: 14,
  oldAccountDays: 180,
  jumpFactor: 3,
  refusalDays: 3,
  weights: {
    bounceHealthy: 10,
    bounceSuspicious: -25,
    bounceUnacceptable: -60,
    complaintSuspicious: -25,
    complaintUnacceptable: -60,
    newAccount: -15,
    oldAccount: 10,
    paid: 20,
    trial: -10,
    singlePurpose: -25,
    volumeJump: -20,
    pastRefusals: -10,
  },
};

export type BadgeColor = 'green' | 'orange' | 'red';

export interface BadgeReason {
  rule: string;
  /** One line: the input and what the rule made of it. */
  text: string;
  points: number;
}

export interface EmailBadge {
  color: BadgeColor;
  score: number;
  reasons: BadgeReason[];
}

export interface BadgeDay {
  day: string;
  sent: number;
  refused: number;
  hard_bounces: number;
  soft_bounces: number;
  complaints: number;
}

export interface BadgeInputs {
  /** The relay's days, oldest first, the last one being today (missing days sent nothing). */
  days: BadgeDay[];
  today: string;
  mode: 'trial' | 'paid' | 'drop';
  createDate: Date;
  now: Date;
  /** Installed applications of the tenant; null when it cannot be read. */
  apps: string[] | null;
}

const pct = (r: number, digits = 1) => `${(r * 100).toFixed(digits)} %`;

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  if (!v.length) return 0;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** The badge: every rule's verdict with its points, and the colour they add up to. */
export function emailBadge(input: BadgeInputs, policy: EmailBadgePolicy = DEFAULT_EMAIL_BADGE): EmailBadge {
  const w = policy.weights;
  const reasons: BadgeReason[] = [];
  let unacceptable = false;
  const sent = input.days.reduce((s, d) => s + d.sent, 0);
  const bounces = input.days.reduce((s, d) => s + d.hard_bounces + d.soft_bounces, 0);
  const complaints = input.days.reduce((s, d) => s + d.complaints, 0);

  if (sent < policy.minVolume) {
    reasons.push({
      rule: 'bounce rate',
      text: `${sent} sent in 30 days: below ${policy.minVolume}, bounce and complaint rates are not judged`,
      points: 0,
    });
  } else {
    const rate = bounces / sent;
    if (rate > policy.bounceUnacceptable) {
      unacceptable = true;
      reasons.push({
        rule: 'bounce rate',
        text: `Bounce rate ${pct(rate)} (${bounces} of ${sent}): unacceptable above ${pct(policy.bounceUnacceptable, 0)}`,
        points: w.bounceUnacceptable,
      });
    } else if (rate > policy.bounceSuspicious) {
      reasons.push({
        rule: 'bounce rate',
        text: `Bounce rate ${pct(rate)} (${bounces} of ${sent}): suspicious above ${pct(policy.bounceSuspicious, 0)}`,
        points: w.bounceSuspicious,
      });
    } else {
      reasons.push({
        rule: 'bounce rate',
        text: `Bounce rate ${pct(rate)} (${bounces} of ${sent}): healthy`,
        points: w.bounceHealthy,
      });
    }
    const crate = complaints / sent;
    if (crate > policy.complaintUnacceptable) {
      unacceptable = true;
      reasons.push({
        rule: 'complaint rate',
        text: `Complaint rate ${pct(crate, 2)} (${complaints} of ${sent}): unacceptable above ${pct(policy.complaintUnacceptable, 1)}`,
        points: w.complaintUnacceptable,
      });
    } else if (crate > policy.complaintSuspicious) {
      reasons.push({
        rule: 'complaint rate',
        text: `Complaint rate ${pct(crate, 2)} (${complaints} of ${sent}): suspicious above ${pct(policy.complaintSuspicious, 1)}`,
        points: w.complaintSuspicious,
      });
    } else {
      reasons.push({
        rule: 'complaint rate',
        text: `Complaint rate ${pct(crate, 2)} (${complaints} of ${sent}): fine`,
        points: 0,
      });
    }
  }

  const ageDays = Math.floor((input.now.getTime() - input.createDate.getTime()) / 86_400_000);
  if (ageDays < policy.newAccountDays) {
    reasons.push({
      rule: 'account age',
      text: `Created ${ageDays} days ago: younger than ${policy.newAccountDays} days`,
      points: w.newAccount,
    });
  } else if (ageDays > policy.oldAccountDays) {
    reasons.push({
      rule: 'account age',
      text: `Created ${ageDays} days ago: older than ${policy.oldAccountDays} days`,
      points: w.oldAccount,
    });
  } else {
    reasons.push({ rule: 'account age', text: `Created ${ageDays} days ago`, points: 0 });
  }

  reasons.push(
    input.mode === 'paid'
      ? { rule: 'subscription', text: 'Paying customer', points: w.paid }
      : { rule: 'subscription', text: `Not paying (${input.mode})`, points: w.trial },
  );

  if (input.apps === null) {
    reasons.push({
      rule: 'single purpose',
      text: 'Installed applications unknown (the database cannot be read)',
      points: 0,
    });
  } else if (input.apps.length > 0 && input.apps.every((a) => a === 'mass_mailing')) {
    reasons.push({
      rule: 'single purpose',
      text: 'Only Email Marketing is installed: an account that seems to exist only to send',
      points: w.singlePurpose,
    });
  } else {
    const n = input.apps.length;
    reasons.push({
      rule: 'single purpose',
      text: `${n} application${n === 1 ? '' : 's'} installed`,
      points: 0,
    });
  }

  const byDay = new Map(input.days.map((d) => [d.day, d]));
  const todaySent = byDay.get(input.today)?.sent ?? 0;
  const before = Array.from({ length: 7 }, (_, i) => byDay.get(shiftDay(input.today, -(i + 1)))?.sent ?? 0);
  const med = median(before);
  const jump = todaySent >= policy.minVolume / 10 && todaySent > policy.jumpFactor * Math.max(med, 1);
  reasons.push({
    rule: 'volume jump',
    text: jump
      ? `${todaySent} sent today: more than ${policy.jumpFactor}× the 7-day median (${med})`
      : `${todaySent} sent today, 7-day median ${med}`,
    points: jump ? w.volumeJump : 0,
  });

  const refusalDays = input.days.filter((d) => d.refused > 0).length;
  reasons.push({
    rule: 'past refusals',
    text: `Refused over the limit on ${refusalDays} of the last 30 days`,
    points: refusalDays >= policy.refusalDays ? w.pastRefusals : 0,
  });

  const score = policy.baseScore + reasons.reduce((s, r) => s + r.points, 0);
  // Red says the sending went wrong: a database that sent nothing at all has given no such sign
  // (a new trial's age and mode alone would make it red, and the nightly run would lower it).
  const silent = sent === 0;
  const color: BadgeColor =
    unacceptable || (score < policy.redBelow && !silent)
      ? 'red'
      : score >= policy.greenFrom
        ? 'green'
        : 'orange';
  return { color, score, reasons };
}
