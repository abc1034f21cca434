import type { App } from '../app.js';
import type { TlsDomain } from './server-block.js';

/**
 * The custom domains of a database that have an active certificate, with their files: what
 * `applySite` renders as TLS blocks. The custom-domains side (src/domains, issue 16) answers
 * this from its domain table; until a database has such a domain, there is none.
 */
export async function activeTlsDomains(_app: App, _database: string): Promise<TlsDomain[]> {
  return [];
}
