import { relayToday } from '../mail/relay/usage.js';
import { databaseBadge } from '../mail/relay/badge.js';
import { plannedChange } from '../mail/relay/auto-raise.js';
import { defineTool } from './define.js';

export const emailLimitTool = defineTool({
  key: 'email_limit',
  async model({ app, database, limits, now }) {
    // Today's count is the relay's, not the row's stored column.
    const [today, { badge, days }] = await Promise.all([
      relayToday(app, database.name, now),
      databaseBadge(app, database, now),
    ]);
    // One trust score: the badge's (the relay's own counts, the policy's rules). The older
    // tenant-side score disagreed with it and is gone.
    return {
      limit: limits.emailLimit,
      current: database.email_daily_limit,
      sentToday: today.sent,
      refusedToday: today.refused,
      bouncedToday: today.hard_bounces + today.soft_bounces,
      complaintsToday: today.complaints,
      badge: { color: badge.color, score: badge.score, reasons: badge.reasons },
      days,
      nextAutomaticChange: plannedChange(app, database, badge, now),
      pinnedUntil: database.email_limit_pinned_until,
    };
  },
});

export const duplicateLimitTool = defineTool({
  key: 'duplicate_limit',
  model: ({ database, limits }) => ({ limit: limits.duplicateLimit, current: database.duplicate_limit }),
});
