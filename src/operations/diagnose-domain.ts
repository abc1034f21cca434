import { z } from 'zod';
import { diagnoseDomain } from '../domains/diagnose.js';
import { domainKey } from '../domains/validate.js';
import { NotFound } from '../errors.js';
import { findDomain } from '../metabase/repositories/domains.js';
import { defineOperation } from './define.js';

export const diagnoseDomainOperation = defineOperation({
  name: 'diagnose-domain',
  access: 'custom_domain',
  title: 'Diagnostics',
  summary:
    'For information only: checks the DNS, CAA, the challenge path and the certificate served, and says the most likely cause.',
  readOnly: true,
  allowedWhenLocked: true,
  input: z.object({ domain: z.string().max(300).describe('Domain') }),
  async run({ app, tx, database, input }) {
    const row = await findDomain(tx, domainKey(input.domain));
    if (!row || row.database_name !== database.name)
      throw new NotFound(`This database has no domain ${input.domain}.`);
    return diagnoseDomain(app, row, database.name, await app.tenants.server(database.server_id));
  },
});
