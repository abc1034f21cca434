import { databaseSize } from '../hosting/database-copy.js';
import { chooseCopyMethod } from '../provisioning/copy-method.js';
import { duplicateAllowance } from '../operations/duplicate-allowance.js';
import { duplicateExtensionLimit } from '../operations/extend-duplicate.js';
import { isLocked } from '../lifecycle/maintenance-lock.js';
import { undropRefusal } from '../operations/undrop.js';
import { defineTool } from './define.js';

/**
 * Measured on the embedded cluster (bench/duplicate.ts): CREATE DATABASE … TEMPLATE copies
 * about this many bytes a second, during which the source accepts no session.
 */
const TEMPLATE_BYTES_PER_SECOND = 300 * 1024 * 1024;

export const duplicateTool = defineTool({
  key: 'duplicate',
  async model({ app, database, limits, now }) {
    const allowance = await duplicateAllowance(app, app.metabase, database);
    // pg_database_size answers from any database of the cluster: the page's tenant connection will do.
    const sizeBytes = await app.tenants.withTenant(database, (client) => databaseSize(client, database.name));
    const method = chooseCopyMethod(sizeBytes, app.config.duplicateTemplateMaxBytes);
    const seconds = Math.max(1, Math.ceil(sizeBytes / TEMPLATE_BYTES_PER_SECOND));
    return {
      ...allowance,
      unavailability: {
        method,
        sizeBytes,
        brieflyUnavailable: method === 'template',
        estimatedSeconds: method === 'template' ? seconds : 0,
        message:
          method === 'template'
            ? `The customer's database will be unavailable for about ${seconds} s while it is copied; its users are disconnected.`
            : 'The database is copied online: the customer keeps working, the copy takes longer.',
      },
      extendUntil: database.duplicate_of ? duplicateExtensionLimit(now, limits.duplicateExtensionDays) : null,
    };
  },
});

export const dropTool = defineTool({
  key: 'drop',
  model({ database, validationNumber }) {
    const dropped = database.mode === 'drop';
    const dropRefusal = dropped
      ? 'The database is already in drop mode.'
      : database.mode === 'paid'
        ? 'This database is paid: it must be unlinked from its subscription before it can be dropped.'
        : null;
    const refusal = dropped ? undropRefusal(database) : 'Only a database in drop mode can be undropped.';
    return {
      mode: database.mode,
      drop: {
        possible: dropRefusal === null,
        reason: dropRefusal,
        validationNumber: validationNumber('drop'),
      },
      /** The drop-mode banner: when the reaper removes the database. */
      removalDate: dropped ? database.expire_date : null,
      undrop: { possible: refusal === null, reason: refusal },
    };
  },
});

export const lockTool = defineTool({
  key: 'lock',
  model: ({ database }) => ({
    locked: isLocked(database),
    status: database.status,
    reason: database.lock_reason,
  }),
});
