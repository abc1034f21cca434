import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { backupJob } from '../../src/jobs/backup-jobs.js';
import { defineJob, noPayload, stepData } from '../../src/jobs/define.js';
import { duplicateJob } from '../../src/jobs/duplicate.js';
import { enqueueJob } from '../../src/jobs/enqueue.js';
import type { MetabaseDb } from '../../src/metabase/connect.js';

// The payload is checked before the transaction is touched: no metabase is needed to see a refusal.
const noMetabase = {} as MetabaseDb;

/**
 * Never called: `tsc --noEmit -p .` (npm test) checks these lines, and an @ts-expect-error that
 * meets no error fails it, so each marked line must stay a type error.
 */
export function queueingIsTyped(tx: MetabaseDb) {
  void enqueueJob(tx, duplicateJob, { database: 'a', agentId: 1, payload: { source: 'a', target: 'b' } });
  // @ts-expect-error the copy's name is missing
  void enqueueJob(tx, duplicateJob, { database: 'a', agentId: 1, payload: { source: 'a' } });
  // @ts-expect-error another kind's payload (an upgrade's)
  void enqueueJob(tx, duplicateJob, { database: 'a', agentId: 1, payload: { request: 3 } });
  // @ts-expect-error a kind with a payload, queued without one
  void enqueueJob(tx, duplicateJob, { database: 'a', agentId: 1 });
  // A kind whose facts are all in its row needs no payload.
  void enqueueJob(tx, backupJob, { database: 'a', agentId: 1 });
}

/** Step data is typed by the kind's schema: a step cannot save what later steps could not read. */
export const stepDataIsTyped = defineJob({
  kind: 'typed-example',
  label: 'Example',
  payload: noPayload,
  data: stepData({ copied: z.number() }),
  steps: [
    {
      name: 'copy',
      label: 'Copying',
      weight: 1,
      async run(ctx) {
        const copied: number | undefined = ctx.data.copied;
        await ctx.save({ copied: (copied ?? 0) + 1 });
        // @ts-expect-error a string where the schema says a number
        await ctx.save({ copied: 'all' });
      },
    },
  ],
});

describe('queueing a job by its definition', () => {
  test('a payload its kind cannot read is refused before anything is queued', async () => {
    const wrong = { source: 'a' } as unknown as { source: string; target: string };
    await expect(enqueueJob(noMetabase, duplicateJob, { database: 'a', agentId: 1, payload: wrong })).rejects.toThrow(
      z.ZodError,
    );
  });
});
