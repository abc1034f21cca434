import { z } from 'zod';
import { startImpersonation } from '../impersonation/sessions.js';
import { defineOperation } from './define.js';
import { int4Id } from './inputs.js';

export const impersonate = defineOperation({
  name: 'impersonate',
  access: 'impersonation',
  title: 'Impersonate a user',
  summary:
    'Gives a single-use login link, valid one hour, to sign in to the database as one of its internal users.',
  input: z.object({
    user: int4Id().describe('The user to sign in as (res_users id)'),
    reason: z.string().trim().min(3).max(500).describe('Why (kept in the support log)'),
  }),
  run: (ctx) => startImpersonation(ctx),
});
