import { defineTool } from './define.js';

export const emailLimitTool = defineTool({
  key: 'email_limit',
  model: ({ database, limits }) => ({
    limit: limits.emailLimit,
    current: database.email_daily_limit,
    sentToday: database.email_daily_count,
  }),
});

export const duplicateLimitTool = defineTool({
  key: 'duplicate_limit',
  model: ({ database, limits }) => ({ limit: limits.duplicateLimit, current: database.duplicate_limit }),
});
