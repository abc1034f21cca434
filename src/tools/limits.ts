import { emailTrust } from '../policy/email-trust.js';
import { mailStats } from '../tenant/mail-stats.js';
import { relayToday } from '../mail/relay/usage.js';
import { defineTool } from './define.js';

export const emailLimitTool = defineTool({
  key: 'email_limit',
  async model({ app, database, limits, now }) {
    // Today's count is the relay's, not the row's stored column.
    const today = await relayToday(app, database.name, now);
    const live = { ...database, email_daily_count: today.sent };
    // The limit can be set even when the tenant cannot be read: only the guidance is lost.
    const trust = await app.tenants
      .withTenant(database, mailStats)
      .then((stats) => emailTrust(live, stats, now))
      .catch(() => null);
    return {
      limit: limits.emailLimit,
      current: database.email_daily_limit,
      sentToday: today.sent,
      refusedToday: today.refused,
      bouncedToday: today.hard_bounces + today.soft_bounces,
      complaintsToday: today.complaints,
      trust,
    };
  },
});

export const duplicateLimitTool = defineTool({
  key: 'duplicate_limit',
  model: ({ database, limits }) => ({ limit: limits.duplicateLimit, current: database.duplicate_limit }),
});
