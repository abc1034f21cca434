import pLimit from 'p-limit';
import type { App } from '../../app.js';
import { defineSchedule } from '../../jobs/define.js';
import { systemActor } from '../../lifecycle/system-actor.js';
import { findDatabase, updateDatabase } from '../../metabase/repositories/databases.js';
import { relayDatabases } from '../../metabase/repositories/email-relay.js';
import { insertSupportLog } from '../../metabase/repositories/support-logs.js';
import type { DatabaseRow } from '../../metabase/schema.js';
import { nextAutomaticLimit } from '../../policy/email-auto-raise.js';
import type { EmailBadge } from '../../policy/email-badge.js';
import { databaseBadge } from './badge.js';

export const AUTO_RAISE_OPERATION = 'email-auto-raise';

export interface AutomaticChange {
  /** When the nightly job runs next (null when its cron is not a daily "M H * * *"). */
  at: string | null;
  /** null: pinned, the job leaves it. */
  limit: number | null;
  reason: string;
}

function isPinned(db: DatabaseRow, now: Date): boolean {
  return !!db.email_limit_pinned_until && new Date(db.email_limit_pinned_until) > now;
}

function why(badge: EmailBadge): string {
  const weighed = badge.reasons.filter((r) => r.points !== 0).map((r) => r.text);
  // No parentheses of its own: rule texts hold some, and the sentence around it quotes it whole.
  return `badge ${badge.color}, score ${badge.score}${weighed.length ? ` — ${weighed.join('; ')}` : ''}`;
}

/** The next run of a daily cron ("M H * * *", UTC) after `now`. */
export function nextDailyRun(cron: string, now: Date): Date | null {
  const m = /^(\d{1,2}) (\d{1,2}) \* \* \*$/.exec(cron.trim());
  if (!m) return null;
  const next = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), Number(m[2]), Number(m[1])),
  );
  if (next <= now) next.setUTCDate(next.getUTCDate() + 1);
  return next;
}

/** What the nightly job will do to this database, for the section. */
export function plannedChange(app: App, db: DatabaseRow, badge: EmailBadge, now: Date): AutomaticChange {
  const at = nextDailyRun(app.config.emailAutoRaise.cron, now)?.toISOString() ?? null;
  if (isPinned(db, now)) {
    return {
      at,
      limit: null,
      reason: `Pinned until ${new Date(db.email_limit_pinned_until!).toISOString().slice(0, 10)}: ${db.email_limit_pin_reason ?? ''}`,
    };
  }
  const limit = nextAutomaticLimit(badge.color, db.email_daily_limit, db.mode, app.config.emailAutoRaise);
  return { at, limit, reason: why(badge) };
}

/**
 * The nightly job: raises green databases a step, lowers red ones, leaves orange and pinned
 * ones; each change is a support-log entry by the system agent, in the same transaction.
 */
export async function autoRaiseEmailLimits(
  app: App,
  /** Only these databases (tests); every active one by default. */
  only?: string[],
): Promise<{ database: string; from: number; to: number; reason: string }[]> {
  const now = app.now();
  const system = await systemActor(app.metabase);
  const changes: { database: string; from: number; to: number; reason: string }[] = [];
  const limit = pLimit(4);
  await Promise.all(
    (only ?? (await relayDatabases(app.metabase)).map((d) => d.name)).map((name) =>
      limit(async () => {
        const db = await findDatabase(app.metabase, name);
        if (!db || isPinned(db, now)) return;
        const { badge } = await databaseBadge(app, db, now);
        const to = nextAutomaticLimit(badge.color, db.email_daily_limit, db.mode, app.config.emailAutoRaise);
        if (to === db.email_daily_limit) return;
        const reason = `${to > db.email_daily_limit ? 'Raised' : 'Lowered'} from ${db.email_daily_limit} to ${to} a day: ${why(badge)}`;
        await app.metabase.transaction().execute(async (tx) => {
          await updateDatabase(tx, name, { email_daily_limit: to });
          await insertSupportLog(tx, {
            ...system,
            operation: AUTO_RAISE_OPERATION,
            database_name: name,
            inputs: { from: db.email_daily_limit, to, badge: badge.color },
            outcome: 'success',
            message: reason,
            request_id: null,
          });
        });
        changes.push({ database: name, from: db.email_daily_limit, to, reason });
      }),
    ),
  );
  return changes;
}

export const emailAutoRaiseSchedule = defineSchedule({
  name: 'email-auto-raise',
  cron: (app) => app.config.emailAutoRaise.cron,
  async run(app) {
    const changes = await autoRaiseEmailLimits(app);
    app.log.info({ changes: changes.length }, 'nightly e-mail limit changes');
  },
});
