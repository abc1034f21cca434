import { z } from 'zod';
import { Conflict } from '../errors.js';
import { defineOperation } from './define.js';
import { addMonths } from '../dates.js';
import { setTrialExpiration } from './trial-expiration.js';

/** One-app free: no extra apps; the 3 months are renewed each time the customer connects. */
export const setFree = defineOperation({
  name: 'set-free',
  access: 'toggle_free',
  title: 'Switch to one-app free',
  summary: 'Turns a trial into the one-app free offer: no extra apps, expires in 3 months.',
  input: z.object({}),
  async run(ctx) {
    if (ctx.database.mode !== 'trial') throw new Conflict('Only a trial can switch to one-app free.');
    if (!ctx.database.extra_apps) throw new Conflict('This database is already on one-app free.');
    const row = await setTrialExpiration(ctx, { extra_apps: false, expire_date: addMonths(ctx.now, 3) });
    return { extra_apps: row.extra_apps, expire_date: row.expire_date };
  },
});
