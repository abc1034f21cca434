import type { Config } from '../config/config.js';
import type { TlsDomain } from '../frontend/server-block.js';
import type { MetabaseDb } from '../metabase/connect.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { certificateFiles, readIfExists } from './key-files.js';

/**
 * The custom domains a database's front end serves over TLS: every one whose certificate was
 * installed (active, renewing, or failed/expired while an older one is still on disk), with
 * its files. Read through `db`, so an operation's transaction sees its own change (a domain
 * being removed is already gone from the list it renders).
 */
export async function servedTlsDomains(
  db: MetabaseDb,
  config: Pick<Config, 'dataDir'>,
  server: Pick<HostingServerRow, 'name'>,
  database: string,
): Promise<TlsDomain[]> {
  const rows = await db
    .selectFrom('domain')
    .select('domain')
    .where('database_name', '=', database)
    .where('issued_at', 'is not', null)
    .orderBy('domain')
    .execute();
  const out: TlsDomain[] = [];
  for (const { domain } of rows) {
    const files = certificateFiles(config, server, domain);
    if ((await readIfExists(files.certFile)) && (await readIfExists(files.keyFile))) {
      out.push({ domain, certFile: files.certFile, keyFile: files.keyFile });
    }
  }
  return out;
}
