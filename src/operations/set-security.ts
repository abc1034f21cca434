import { z } from 'zod';
import { activeTlsDomains, writeSite } from '../frontend/index.js';
import { updateDatabase } from '../metabase/repositories/databases.js';
import { defineOperation } from './define.js';

export const setSecurity = defineOperation({
  name: 'set-security',
  access: 'security_features',
  title: 'Security features',
  summary: 'Turns HSTS and the Secure, SameSite=Lax session cookie on or off for the database front end.',
  input: z.object({ enabled: z.boolean().describe('Security features on') }),
  async run({ app, tx, database, input }) {
    const row = await updateDatabase(tx, database.name, { secure: input.enabled });
    const server = await app.tenants.server(database.server_id);
    // Last: a failed check leaves the old file and rolls the flag back with the transaction.
    const file = await writeSite(app, server, database.name, {
      secure: row.secure,
      tlsDomains: await activeTlsDomains(app, database.name),
    });
    return { secure: row.secure, configFile: file };
  },
});
