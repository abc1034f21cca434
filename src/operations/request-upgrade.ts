import { z } from 'zod';
import { Conflict, Invalid, NotAllowed } from '../errors.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { upgradeJob } from '../upgrades/pipeline.js';
import { insertUpgradeRequest, openUpgradeRequestOf, updateUpgradeRequest } from '../metabase/repositories/upgrade-requests.js';
import { productionRefusal, targetsOf } from '../upgrades/rules.js';
import { defineOperation } from './define.js';

export const requestUpgrade = defineOperation({
  name: 'request-upgrade',
  access: 'migration',
  title: 'Request an upgrade',
  summary:
    'Sends the database to the upgrade platform: Internal (a new upgraded database, no e-mail), Copy (an upgraded test copy, e-mailed) or Production (in place, with downtime).',
  input: z.object({
    target: z.string().trim().min(1).max(32).describe('Target version'),
    mode: z.enum(['internal', 'copy', 'production']).describe('Mode'),
    email: z.string().trim().max(254).optional().describe('E-mail address for every e-mail of this upgrade (optional)'),
  }),
  needsValidation: true,
  async run({ app, tx, database, agent, input }) {
    if (database.state !== 'active') throw new Conflict('Only an active database can be upgraded.');
    const targets = targetsOf(app, database);
    if (!targets.includes(input.target)) {
      throw new Invalid(
        targets.length
          ? `${input.target} is not an upgrade target of this database (on ${database.version}): choose one of ${targets.join(', ')}.`
          : `No higher version than ${database.version} is available at this time.`,
      );
    }
    const email = input.email || null;
    if (email && !z.email().safeParse(email).success) throw new Invalid(`"${email}" is not an e-mail address.`);
    const open = await openUpgradeRequestOf(tx, database.name);
    if (open) throw new Conflict(`Upgrade request #${open.id} (${open.state}) is still open for this database.`);
    if (input.mode === 'production') {
      const refusal = await productionRefusal(app, tx, database, input.target, agent.level);
      if (refusal) throw refusal.includes('level') ? new NotAllowed(refusal) : new Conflict(refusal);
    }
    const request = await insertUpgradeRequest(tx, {
      database_name: database.name,
      mode: input.mode,
      source_version: database.version,
      target: input.target,
      email,
      agent_id: agent.id,
      requested_at: app.now(),
    });
    const { job } = await enqueueJob(tx, upgradeJob, {
      database: database.name,
      agentId: agent.id,
      payload: { request: request.id },
    });
    await updateUpgradeRequest(tx, request.id, { job_id: Number(job.id) });
    return { job, request: request.id };
  },
});
