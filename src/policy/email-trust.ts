import type { DatabaseRow } from '../metabase/schema.js';
import type { MailStats } from '../tenant/mail-stats.js';
import { DAY_MS } from '../dates.js';

export interface TrustFactor {
  label: string;
  /** Points added to (or taken from) the score. */
  effect: number;
}

export interface EmailTrust {
  /** 0 (do not raise) to 100 (safe to raise progressively). */
  score: number;
  bounceRate: number | null;
  factors: TrustFactor[];
  advice: string;
}

/**
 * A guide, not a rule: agents still go through the checklist. Bounce rates follow the
 * platform's guidance: above 5 % is suspicious, above 6-7 % unacceptable.
 */
export function emailTrust(
  db: Pick<DatabaseRow, 'mode' | 'create_date' | 'email_daily_count' | 'email_daily_limit'>,
  stats: MailStats,
  now: Date,
): EmailTrust {
  const factors: TrustFactor[] = [];
  const bounceRate = stats.traced > 0 ? stats.bounced / stats.traced : null;
  if (bounceRate === null) factors.push({ label: 'No mass mailing in the last 30 days', effect: 0 });
  else if (bounceRate > 0.07)
    factors.push({
      label: `Bounce rate ${(bounceRate * 100).toFixed(1)} % (unacceptable above 6-7 %)`,
      effect: -60,
    });
  else if (bounceRate > 0.05)
    factors.push({
      label: `Bounce rate ${(bounceRate * 100).toFixed(1)} % (suspicious above 5 %)`,
      effect: -30,
    });
  else factors.push({ label: `Bounce rate ${(bounceRate * 100).toFixed(1)} %`, effect: +10 });
  if (db.mode === 'paid') factors.push({ label: 'Paying customer', effect: +20 });
  else factors.push({ label: 'Not a paying customer yet', effect: -10 });
  const ageDays = (now.getTime() - new Date(db.create_date).getTime()) / DAY_MS;
  if (ageDays < 14) factors.push({ label: `Database created ${Math.floor(ageDays)} days ago`, effect: -15 });
  else if (ageDays > 180) factors.push({ label: 'Database older than 6 months', effect: +10 });
  const failRate = stats.mails > 0 ? stats.failed / stats.mails : 0;
  if (failRate > 0.1)
    factors.push({ label: `${(failRate * 100).toFixed(0)} % of e-mails failed to deliver`, effect: -15 });
  if (db.email_daily_limit > 0 && db.email_daily_count >= db.email_daily_limit) {
    factors.push({ label: 'Limit reached today', effect: 0 });
  }
  const score = Math.max(0, Math.min(100, 60 + factors.reduce((s, f) => s + f.effect, 0)));
  const advice =
    score >= 70
      ? 'Looks healthy: raise progressively after the checklist.'
      : score >= 40
        ? 'Mixed signals: check the templates and lists before a small raise.'
        : 'Do not raise: offer the customer’s own outgoing mail server or a full opt-in revalidation of the list.';
  return { score, bounceRate, factors, advice };
}
