import { z } from 'zod';
import { certificateFiles, removeCertificateFiles } from '../domains/key-files.js';
import { servedTlsDomains } from '../domains/served.js';
import { NotFound } from '../errors.js';
import { domainKey } from '../domains/validate.js';
import { writeSite } from '../frontend/index.js';
import { deleteDomain, findDomain } from '../metabase/repositories/domains.js';
import { defineOperation } from './define.js';

export const removeDomain = defineOperation({
  name: 'remove-domain',
  access: 'custom_domain',
  title: 'Remove a domain',
  summary: 'The database no longer answers at this domain: its TLS block and its certificate are taken away.',
  destructive: true,
  input: z.object({ domain: z.string().max(300).describe('Domain') }),
  async run({ app, tx, database, input }) {
    const domain = domainKey(input.domain);
    const row = await findDomain(tx, domain);
    if (!row || row.database_name !== database.name)
      throw new NotFound(`This database has no domain ${input.domain}.`);
    await deleteDomain(tx, domain);
    const server = await app.tenants.server(database.server_id);
    // nginx first: once it serves the site without the domain, the files can go. A refused
    // configuration throws, and the transaction keeps the domain as it was.
    await writeSite(app, server, database.name, {
      secure: database.secure,
      tlsDomains: await servedTlsDomains(tx, app.config, server, database.name),
    });
    await removeCertificateFiles(certificateFiles(app.config, server, domain));
    return { domain, removed: true };
  },
});
