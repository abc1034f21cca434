import { Conflict } from '../errors.js';
import { revokeConnect } from '../hosting/database-copy.js';
import { syncOdooAccess } from '../odoo/serving.js';
import { findDatabase, lockDatabase, updateDatabase } from '../metabase/repositories/databases.js';
import { z } from 'zod';
import { defineJob, noStepData, type StepContext } from './define.js';

const dropPayload = z.object({
  expireDate: z.string().datetime(),
  /** What undoing a drop that failed for good puts back. */
  previous: z.object({ mode: z.enum(['trial', 'paid', 'drop']), expire_date: z.string().datetime().nullable() }),
});
export type DropPayload = z.infer<typeof dropPayload>;

function payloadOf(ctx: StepContext<DropPayload>): DropPayload {
  return ctx.payload;
}

/**
 * Drop: the metabase says `drop` first, then the customer loses CONNECT. Both steps are
 * idempotent; a crash in between is finished by the resumed job within seconds.
 */
export const dropJob = defineJob({
  kind: 'drop',
  label: 'Drop',
  payload: dropPayload,
  data: noStepData,
  maxAttempts: 5,
  steps: [
    {
      name: 'mark-drop-mode',
      label: 'Entering drop mode',
      weight: 1,
      async run(ctx) {
        const name = ctx.job.database_name!;
        await ctx.app.metabase.transaction().execute(async (tx) => {
          const row = await lockDatabase(tx, name);
          if (!row || row.state !== 'active') throw new Conflict(`The database ${name} no longer exists.`);
          if (row.mode === 'paid') throw new Conflict('A paid database must be unlinked from its subscription before it is dropped.');
          await updateDatabase(tx, name, { mode: 'drop', expire_date: payloadOf(ctx).expireDate });
        });
      },
    },
    {
      name: 'revoke-connect',
      label: 'Closing the customer’s access',
      weight: 1,
      async run(ctx) {
        const row = await findDatabase(ctx.app.metabase, ctx.job.database_name!);
        if (!row) return;
        await ctx.app.tenants.withCluster(row.server_id, (admin) => revokeConnect(admin, row.name));
        // Nor through the server's Odoo workers (their role's grant on it goes).
        await syncOdooAccess(ctx.app, row.name, { row });
      },
    },
  ],
  result: (ctx) => ({ mode: 'drop', expireDate: payloadOf(ctx).expireDate }),
  async rollback(ctx) {
    const name = ctx.job.database_name!;
    const row = await findDatabase(ctx.app.metabase, name);
    if (!row || row.state !== 'active') return;
    const { previous } = payloadOf(ctx);
    if (row.mode === 'drop' && previous.mode !== 'drop') {
      await updateDatabase(ctx.app.metabase, name, { mode: previous.mode, expire_date: previous.expire_date });
    }
  },
});
