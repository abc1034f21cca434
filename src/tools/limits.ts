import { emailTrust } from '../policy/email-trust.js';
import { mailStats } from '../tenant/mail-stats.js';
import { defineTool } from './define.js';

export const emailLimitTool = defineTool({
  key: 'email_limit',
  async model({ app, database, limits, now }) {
    // The limit can be set even when the tenant cannot be read: only the guidance is lost.
    const trust = await app.tenants
      .withTenant(database, mailStats)
      .then((stats) => emailTrust(database, stats, now))
      .catch(() => null);
    return {
      limit: limits.emailLimit,
      current: database.email_daily_limit,
      sentToday: database.email_daily_count,
      trust,
    };
  },
});

export const duplicateLimitTool = defineTool({
  key: 'duplicate_limit',
  model: ({ database, limits }) => ({ limit: limits.duplicateLimit, current: database.duplicate_limit }),
});
