import type { App } from '../app.js';
import { certificateJob } from '../jobs/certificate.js';
import { enqueueJob } from '../jobs/enqueue.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { domainsDue, markExpiredCertificates, updateDomain } from '../metabase/repositories/domains.js';
import { activeJobPayloadValues } from '../metabase/repositories/jobs.js';
import { publishPlatformHosts } from './demo-dns.js';

/**
 * Queues a certificate attempt for the domain unless one is already queued or running; in the
 * caller's transaction when given one (an operation's, with its support-log entry).
 */
export async function queueCertificate(
  db: MetabaseDb,
  domain: string,
  agentId: number | null = null,
): Promise<boolean> {
  const inTransaction = <T>(fn: (tx: MetabaseDb) => Promise<T>) =>
    db.isTransaction ? fn(db) : db.transaction().execute(fn);
  return inTransaction(async (tx) => {
    // Serialized per domain: the schedule and an agent's retry never queue two.
    await tx.selectFrom('domain').select('id').where('domain', '=', domain).forUpdate().executeTakeFirst();
    if ((await activeJobPayloadValues(tx, certificateJob.kind, 'domain')).includes(domain)) return false;
    await enqueueJob(tx, certificateJob, { database: null, agentId, payload: { domain } });
    return true;
  });
}

/**
 * Every minute: certificates past their end become expired, and each domain whose next
 * attempt is due (a DNS re-check, a retry, a renewal at two thirds of the life) gets its job.
 */
export async function runDomainSchedule(app: App): Promise<string[]> {
  const now = app.now();
  await markExpiredCertificates(app.metabase, now);
  await publishPlatformHosts(app);
  const due = await domainsDue(app.metabase, now);
  for (const row of due) {
    // A renewal shows as such from the moment it is due, not only once its job runs.
    if (row.cert_status === 'active')
      await updateDomain(app.metabase, row.domain, { cert_status: 'renewing' });
    await queueCertificate(app.metabase, row.domain);
  }
  return due.map((r) => r.domain);
}
