import { z } from 'zod';
import type { App } from '../app.js';
import type { MetabaseDb } from '../metabase/connect.js';
import {
  activate,
  answerChallenges,
  checkBeforeOrdering,
  finalizeOrder,
  installCertificate,
  placeOrder,
  recordFailure,
  type IssuanceData,
} from '../domains/issuance.js';
import { publishPlatformHosts } from '../domains/demo-dns.js';
import { domainsDue, markExpiredCertificates, updateDomain } from '../metabase/repositories/domains.js';
import { activeJobPayloadValues } from '../metabase/repositories/jobs.js';
import { defineJob, defineSchedule, type StepContext } from './define.js';
import { enqueueJob } from './enqueue.js';

export const CERTIFICATE_JOB = 'certificate';

const payload = z.object({ domain: z.string().min(1) });
type Payload = z.infer<typeof payload>;

const stopped = (ctx: StepContext<Payload>) => !!(ctx.data as IssuanceData).stop;

/**
 * One certificate attempt for a domain (first issuance, retry, renewal). It holds no database's
 * job slot: a domain waiting for its DNS must not block a duplicate or a backup. Each step is
 * idempotent: a process killed mid-way resumes with the same order and the same key.
 */
export const certificateJob = defineJob<Payload>({
  kind: CERTIFICATE_JOB,
  payload,
  maxAttempts: 3,
  steps: [
    {
      name: 'check-dns',
      weight: 1,
      async run(ctx) {
        await ctx.save({ ...(await checkBeforeOrdering(ctx.app, ctx.payload.domain)) });
      },
    },
    {
      name: 'order',
      weight: 1,
      async run(ctx) {
        if (stopped(ctx)) return;
        await ctx.save({ ...(await placeOrder(ctx.app, ctx.payload.domain, ctx.data as IssuanceData)) });
      },
    },
    {
      name: 'challenge',
      weight: 3,
      async run(ctx) {
        if (!stopped(ctx)) await answerChallenges(ctx.app, ctx.payload.domain, ctx.data as IssuanceData);
      },
    },
    {
      name: 'finalize',
      weight: 2,
      async run(ctx) {
        if (!stopped(ctx)) await finalizeOrder(ctx.app, ctx.payload.domain, ctx.data as IssuanceData);
      },
    },
    {
      name: 'install',
      weight: 1,
      async run(ctx) {
        if (!stopped(ctx)) await installCertificate(ctx.app, ctx.payload.domain);
      },
    },
    {
      name: 'activate',
      weight: 1,
      async run(ctx) {
        if (!stopped(ctx)) await activate(ctx.app, ctx.payload.domain);
      },
    },
  ],
  result: ({ data, payload: p }) => ({ domain: p.domain, ...(data as IssuanceData) }),
  async rollback(ctx, error) {
    await recordFailure(ctx.app, ctx.payload.domain, error);
  },
});

/**
 * Queues a certificate attempt for the domain unless one is already queued or running; in the
 * caller's transaction when given one (an operation's, with its support-log entry).
 */
export async function queueCertificate(db: MetabaseDb, domain: string, agentId: number | null = null): Promise<boolean> {
  const inTransaction = <T>(fn: (tx: MetabaseDb) => Promise<T>) => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  return inTransaction(async (tx) => {
    // Serialized per domain: the schedule and an agent's retry never queue two.
    await tx.selectFrom('domain').select('id').where('domain', '=', domain).forUpdate().executeTakeFirst();
    if ((await activeJobPayloadValues(tx, CERTIFICATE_JOB, 'domain')).includes(domain)) return false;
    await enqueueJob(tx, { kind: CERTIFICATE_JOB, database: null, agentId, payload: { domain } });
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
    if (row.cert_status === 'active') await updateDomain(app.metabase, row.domain, { cert_status: 'renewing' });
    await queueCertificate(app.metabase, row.domain);
  }
  return due.map((r) => r.domain);
}

export const domainSchedule = defineSchedule({
  name: 'custom-domains',
  cron: '* * * * *',
  run: async (app) => {
    await runDomainSchedule(app);
  },
});
