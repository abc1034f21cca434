import { z } from 'zod';
import { Conflict } from '../errors.js';
import { defineOperation } from './define.js';
import { addDays } from '../dates.js';
import { setTrialExpiration } from './trial-expiration.js';

export const setTrial = defineOperation({
  name: 'set-trial',
  access: 'toggle_free',
  title: 'Switch to a trial with extra apps',
  summary: 'Turns a one-app free database into a 15-day trial with all apps.',
  input: z.object({}),
  async run(ctx) {
    if (ctx.database.mode !== 'trial') throw new Conflict('Only a one-app free database can switch to a trial.');
    if (ctx.database.extra_apps) throw new Conflict('This database is already a trial with extra apps.');
    const row = await setTrialExpiration(ctx, { extra_apps: true, expire_date: addDays(ctx.now, 15) });
    return { extra_apps: row.extra_apps, expire_date: row.expire_date };
  },
});
