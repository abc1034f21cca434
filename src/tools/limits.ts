import { emailTrust } from '../policy/email-trust.js';
import { mailStats } from '../tenant/mail-stats.js';
import { emailHistory, relayToday } from '../mail/relay/usage.js';
import { emailBadge } from '../policy/email-badge.js';
import { readUsage } from '../tenant/usage.js';
import { defineTool } from './define.js';

export const emailLimitTool = defineTool({
  key: 'email_limit',
  async model({ app, database, limits, now }) {
    // Today's count is the relay's, not the row's stored column.
    const [today, history, apps] = await Promise.all([
      relayToday(app, database.name, now),
      emailHistory(app, database, now),
      app.tenants
        .withTenant(database, (c) => readUsage(c, now))
        .then(
          (u) => u.apps,
          () => null,
        ),
    ]);
    const live = { ...database, email_daily_count: today.sent };
    // The limit can be set even when the tenant cannot be read: only the guidance is lost.
    const trust = await app.tenants
      .withTenant(database, mailStats)
      .then((stats) => emailTrust(live, stats, now))
      .catch(() => null);
    const badge = emailBadge(
      {
        days: history.rows,
        today: history.today,
        mode: database.mode,
        createDate: new Date(database.create_date),
        now,
        apps,
      },
      app.config.emailBadge,
    );
    return {
      limit: limits.emailLimit,
      current: database.email_daily_limit,
      sentToday: today.sent,
      refusedToday: today.refused,
      bouncedToday: today.hard_bounces + today.soft_bounces,
      complaintsToday: today.complaints,
      trust,
      badge: { color: badge.color, score: badge.score, reasons: badge.reasons },
      days: history.days,
      // The nightly automatic raise is not built yet: nothing is scheduled.
      nextAutomaticChange: null,
    };
  },
});

export const duplicateLimitTool = defineTool({
  key: 'duplicate_limit',
  model: ({ database, limits }) => ({ limit: limits.duplicateLimit, current: database.duplicate_limit }),
});
