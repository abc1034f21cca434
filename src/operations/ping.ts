import { z } from 'zod';
import { pingDatabase } from '../ping/ping.js';
import { defineOperation } from './define.js';

export const ping = defineOperation({
  name: 'ping',
  access: 'ping',
  title: 'Ping',
  summary:
    "Reads the database's usage (users, active users, apps, version) as Odoo's update notification reports it.",
  allowedWhenLocked: true,
  input: z.object({}),
  run: ({ app, tx, database }) => pingDatabase(app, database, tx),
});
