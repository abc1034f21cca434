import { z } from 'zod';
import { normalizeDomain } from '../domains/validate.js';
import { Conflict } from '../errors.js';
import { databaseHost } from '../frontend/index.js';
import { queueCertificate } from '../domains/certificate-queue.js';
import { findDomain, insertDomain } from '../metabase/repositories/domains.js';
import { defineOperation } from './define.js';

/** A domain another database holds: refused without saying which one (it is another customer's). */
export function domainTaken(domain: string): Conflict {
  return new Conflict(
    `${domain} is already used by another database on the platform. It must be removed there first; ask the customer who else manages it.`,
  );
}

export const addDomain = defineOperation({
  name: 'add-domain',
  access: 'custom_domain',
  title: 'Add a domain',
  summary:
    'Serves the database at a customer domain: we check its DNS record (a CNAME to the database), then get and deploy its certificate.',
  input: z.object({ domain: z.string().max(300).describe('Domain (www.example.com)') }),
  async run({ app, tx, database, agent, input, now }) {
    const domain = normalizeDomain(input.domain, app.config.platformZone);
    const existing = await findDomain(tx, domain);
    if (existing?.database_name === database.name)
      throw new Conflict(`${domain} is already a domain of this database.`);
    if (existing) throw domainTaken(domain);
    const row = await insertDomain(tx, { domain, database_name: database.name, next_attempt_at: now }).catch(
      (e: { code?: string }) => {
        // Another database took it between our check and the insert.
        if (e.code === '23505') throw domainTaken(domain);
        throw e;
      },
    );
    // The first DNS check runs at once; the section shows its result a moment later.
    await queueCertificate(tx, domain, agent.id);
    const target = databaseHost(database.name, app.config.platformZone);
    return { domain: row.domain, record: { name: row.domain, type: 'CNAME', value: target } };
  },
});
