import pLimit from 'p-limit';
import type { App } from '../../app.js';
import { relayDatabases } from '../../metabase/repositories/email-relay.js';
import { startBounceReceiver } from '../bounces/server.js';
import { wireTenantToRelay } from './credentials.js';
import { startRelay } from './server.js';

export interface MailRelay {
  /** What tenants are told to use (host from DBTOOLS_RELAY_HOST, the port it got). */
  address: { host: string; port: number };
  bouncePort: number;
  close(): Promise<void>;
}

/** The relay and its bounce endpoint, listening where the configuration says (port 0: a free one). */
export async function startMailRelay(app: App): Promise<MailRelay> {
  const { host, port, bouncePort } = app.config.relay;
  const relay = await startRelay(app, { host, port });
  try {
    const bounces = await startBounceReceiver(app, { host, port: bouncePort });
    return {
      address: { host, port: relay.port },
      bouncePort: bounces.port,
      close: async () => {
        await Promise.all([relay.close(), bounces.close()]);
      },
    };
  } catch (e) {
    await relay.close();
    throw e;
  }
}

/**
 * Points every active database at the relay (its port may have changed since the last start);
 * one without credentials gets them. A database that cannot be reached is logged and skipped.
 */
export async function wireActiveDatabases(
  app: App,
  relay: MailRelay,
): Promise<{ wired: number; failed: number }> {
  const databases = await relayDatabases(app.metabase);
  const limit = pLimit(4);
  let failed = 0;
  await Promise.all(
    databases.map((db) =>
      limit(() =>
        wireTenantToRelay(app, db, relay.address).catch((err: Error) => {
          failed++;
          app.log.warn({ database: db.name, err: err.message }, 'cannot wire the database to the mail relay');
        }),
      ),
    ),
  );
  return { wired: databases.length - failed, failed };
}
