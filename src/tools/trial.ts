import { endOfDayAfter } from '../dates.js';
import { defineTool } from './define.js';

export const expireDateTool = defineTool({
  key: 'expire_date',
  applies: (db) => db.mode === 'trial' && db.extra_apps,
  model: ({ database, limits, now }) => ({
    expireDate: database.expire_date,
    limit: endOfDayAfter(now, limits.trialDays).toISOString().slice(0, 10),
    limitDays: limits.trialDays,
  }),
});

export const toggleFreeTool = defineTool({
  key: 'toggle_free',
  applies: (db) => db.mode === 'trial',
  model: ({ database }) => ({
    free: !database.extra_apps,
    label: database.extra_apps ? 'Trial with extra apps' : 'One-app free',
  }),
});
