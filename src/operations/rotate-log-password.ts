import { z } from 'zod';
import { NotFound } from '../errors.js';
import { LOG_USER, rotateLogPassword } from '../logs/password.js';
import { findServerById } from '../metabase/repositories/servers.js';
import { defineOperation } from './define.js';

/** The log password is per hosting server: rotating it from any of its databases changes it for all. */
export const rotateLogPasswordOperation = defineOperation({
  name: 'rotate-log-password',
  access: 'tech_logs_password',
  title: 'Rotate the log password',
  summary:
    'Sets a new password for the technical log files of this database’s hosting server; it is shown once, here, and stored hashed.',
  input: z.object({}),
  readOnly: true,
  /** The current password stops working: the form asks for confirmation. */
  destructive: true,
  allowedWhenLocked: true,
  async run({ app, tx, database }) {
    const server = await findServerById(tx, database.server_id);
    if (!server) throw new NotFound('The hosting server of this database is unknown.');
    const password = await rotateLogPassword(app, tx, server.name);
    return { server: server.name, user: LOG_USER, password };
  },
});
