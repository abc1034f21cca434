import { z } from 'zod';
import {
  activate,
  answerChallenges,
  checkBeforeOrdering,
  finalizeOrder,
  installCertificate,
  placeOrder,
  issuanceData,
  recordFailure,
  type IssuanceData,
} from '../domains/issuance.js';
import { defineJob, type StepContext } from './define.js';

const payload = z.object({ domain: z.string().min(1) });
type Payload = z.infer<typeof payload>;

const stopped = (ctx: StepContext<Payload, IssuanceData>) => !!ctx.data.stop;

/**
 * One certificate attempt for a domain (first issuance, retry, renewal). It holds no database's
 * job slot: a domain waiting for its DNS must not block a duplicate or a backup. Each step is
 * idempotent: a process killed mid-way resumes with the same order and the same key.
 */
export const certificateJob = defineJob({
  kind: 'certificate',
  label: 'Certificate',
  payload,
  data: issuanceData,
  maxAttempts: 3,
  steps: [
    {
      name: 'check-dns',
      label: 'Checking the domain’s DNS and CAA',
      weight: 1,
      async run(ctx) {
        await ctx.save({ ...(await checkBeforeOrdering(ctx.app, ctx.payload.domain)) });
      },
    },
    {
      name: 'order',
      label: 'Ordering the certificate',
      weight: 1,
      async run(ctx) {
        if (stopped(ctx)) return;
        await ctx.save({ ...(await placeOrder(ctx.app, ctx.payload.domain, ctx.data)) });
      },
    },
    {
      name: 'challenge',
      label: 'Proving the domain to the certificate authority',
      weight: 3,
      async run(ctx) {
        if (!stopped(ctx)) await answerChallenges(ctx.app, ctx.payload.domain, ctx.data);
      },
    },
    {
      name: 'finalize',
      label: 'Getting the signed certificate',
      weight: 2,
      async run(ctx) {
        if (!stopped(ctx)) await finalizeOrder(ctx.app, ctx.payload.domain, ctx.data);
      },
    },
    {
      name: 'install',
      label: 'Deploying it on the front end',
      weight: 1,
      async run(ctx) {
        if (!stopped(ctx)) await installCertificate(ctx.app, ctx.payload.domain);
      },
    },
    {
      name: 'activate',
      label: 'Scheduling its renewal',
      weight: 1,
      async run(ctx) {
        if (!stopped(ctx)) await activate(ctx.app, ctx.payload.domain);
      },
    },
  ],
  result: ({ data, payload: p }) => ({ domain: p.domain, ...data }),
  async rollback(ctx, error) {
    await recordFailure(ctx.app, ctx.payload.domain, error);
  },
});
