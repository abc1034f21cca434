import { z } from 'zod';
import { Conflict, Invalid } from '../errors.js';
import { databaseExists } from '../hosting/cluster-databases.js';
import { pathExists } from '../hosting/path-exists.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { moveDatabaseJob } from '../jobs/move-database.js';
import { findServerByName } from '../metabase/repositories/servers.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { defineOperation } from './define.js';

export const moveDatabase = defineOperation({
  name: 'move-database',
  access: 'move',
  title: 'Move to another server',
  summary:
    'Moves the database and its filestore to another hosting server; it is locked while the copy is finished, and the source is kept read-only as a rollback for a while.',
  destructive: true,
  input: z.object({ server: z.string().trim().min(1).max(63).describe('Hosting server to move it to') }),
  async run({ app, tx, database, agent, input }) {
    const target = await findServerByName(tx, input.server);
    if (!target) throw new Invalid(`There is no hosting server named ${input.server}.`);
    if (target.id === database.server_id) throw new Invalid(`${database.name} is already on ${target.name}.`);
    // The copy is built under a scratch name and takes the database's name on the target at
    // the switch: whatever already holds that name there is not ours to replace.
    if (await app.tenants.withCluster(target.id, (admin) => databaseExists(admin, database.name)))
      throw new Conflict(`${target.name} already has a database named ${database.name}; it must be removed first.`);
    if (await pathExists(databaseFilestore(target.filestore_root, database.name)))
      throw new Conflict(`${target.name} already has a filestore folder named ${database.name}; it must be removed first.`);
    return enqueueJob(tx, moveDatabaseJob, {
      database: database.name,
      agentId: agent.id,
      payload: { from: database.server_id, to: target.id },
    });
  },
});
