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
  payload,
  data: issuanceData,
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
        await ctx.save({ ...(await placeOrder(ctx.app, ctx.payload.domain, ctx.data)) });
      },
    },
    {
      name: 'challenge',
      weight: 3,
      async run(ctx) {
        if (!stopped(ctx)) await answerChallenges(ctx.app, ctx.payload.domain, ctx.data);
      },
    },
    {
      name: 'finalize',
      weight: 2,
      async run(ctx) {
        if (!stopped(ctx)) await finalizeOrder(ctx.app, ctx.payload.domain, ctx.data);
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
  result: ({ data, payload: p }) => ({ domain: p.domain, ...data }),
  async rollback(ctx, error) {
    await recordFailure(ctx.app, ctx.payload.domain, error);
  },
});
