import { z } from 'zod';
import { Conflict } from '../errors.js';
import { stopImpersonations } from '../metabase/repositories/impersonations.js';
import { defineOperation } from './define.js';
import { int4Id } from './inputs.js';

export const stopImpersonation = defineOperation({
  name: 'stop-impersonation',
  access: 'impersonation',
  title: 'Stop impersonating',
  summary: 'Ends your impersonation on this database: its login link stops working.',
  allowedWhenLocked: true,
  input: z.object({
    user: int4Id()
      .optional()
      .describe('Only the session on this user (res_users id)'),
  }),
  async run({ tx, database, agent, input, now }) {
    const stopped = await stopImpersonations(tx, database.name, agent.id, now, input.user);
    if (!stopped.length) throw new Conflict('You are not impersonating anyone on this database.');
    return { stopped: stopped.map((s) => ({ id: s.user_id, login: s.user_login, name: s.user_name })) };
  },
});
