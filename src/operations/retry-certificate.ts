import { z } from 'zod';
import { domainKey } from '../domains/validate.js';
import { Conflict, NotFound } from '../errors.js';
import { queueCertificate } from '../domains/certificate-queue.js';
import { findDomain, updateDomain } from '../metabase/repositories/domains.js';
import { defineOperation } from './define.js';

export const retryCertificate = defineOperation({
  name: 'retry-certificate',
  access: 'custom_domain',
  title: 'Check and retry now',
  summary:
    'Checks the DNS again at once and, when it is right, orders the certificate: use it after the customer fixed the record, not to hurry the certificate authority.',
  input: z.object({ domain: z.string().max(300).describe('Domain') }),
  async run({ tx, database, agent, input, now }) {
    const domain = domainKey(input.domain);
    const row = await findDomain(tx, domain);
    if (!row || row.database_name !== database.name)
      throw new NotFound(`This database has no domain ${input.domain}.`);
    await updateDomain(tx, domain, {
      attempts: 0,
      first_attempt_at: null,
      next_attempt_at: now,
      ...(row.cert_status === 'failed' && {
        cert_status: row.issued_at ? 'renewing' : 'pending',
        reason: null,
      }),
    });
    if (!(await queueCertificate(tx, domain, agent.id))) {
      throw new Conflict(`A certificate attempt for ${domain} is already running; wait for it to finish.`);
    }
    return { domain, queued: true };
  },
});
