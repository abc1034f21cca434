import { z } from 'zod';
import { Conflict, NotFound } from '../errors.js';
import { lockUpgradeRequest, updateUpgradeRequest } from '../metabase/repositories/upgrade-requests.js';
import { bigintId } from './inputs.js';
import { defineOperation } from './define.js';

export const cancelUpgrade = defineOperation({
  name: 'cancel-upgrade',
  access: 'migration',
  title: 'Cancel an upgrade request',
  summary: 'Cancels an upgrade request that is still Queued (not yet sent to the upgrade platform).',
  input: z.object({ request: bigintId().describe('Upgrade request') }),
  // Its own job has not started (Queued): cancelling is what lets that job end without work.
  readOnly: true,
  allowedWhenLocked: true,
  async run({ tx, database, input }) {
    const request = await lockUpgradeRequest(tx, input.request);
    if (!request || request.database_name !== database.name) {
      throw new NotFound(`Upgrade request #${input.request} is not one of ${database.name}.`);
    }
    if (request.state !== 'Queued') {
      throw new Conflict(`Only a Queued request can be cancelled; #${request.id} is ${request.state}.`);
    }
    await updateUpgradeRequest(tx, request.id, { state: 'cancelled (meta)', done_at: new Date() });
    return { request: request.id, state: 'cancelled (meta)' };
  },
});
