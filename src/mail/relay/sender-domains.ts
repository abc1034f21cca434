import { domainToASCII } from 'node:url';
import type { App } from '../../app.js';
import { databaseHost } from '../../frontend/host-name.js';
import { findDatabase } from '../../metabase/repositories/databases.js';
import { domainsOf } from '../../metabase/repositories/domains.js';
import { getConfigParameter } from '../../tenant/config-parameters.js';

/**
 * The domains a database may send mail from through the relay: its own host under the platform
 * zone first, then its custom domains whose DNS was seen pointing at it (a `www.` name stands for
 * its parent too: that is where the customer's addresses live). Another database's host, or a
 * domain nobody proved, is not among them: the relay would sign mail for someone else.
 */
export async function senderDomains(app: App, database: string): Promise<string[]> {
  const own = databaseHost(database, app.config.platformZone);
  const custom = (await domainsOf(app.metabase, database))
    .filter((d) => d.dns_status === 'ok')
    .flatMap((d) => (d.domain.startsWith('www.') ? [d.domain, d.domain.slice(4)] : [d.domain]));
  return [own, ...custom];
}

/** The domain of an address, in the form the domains are kept in (ASCII, lower case). */
function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '';
  const written = address
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '');
  return domainToASCII(written) || written;
}

export function isSenderDomain(domains: string[], address: string): boolean {
  const domain = domainOf(address);
  return domain !== '' && domains.includes(domain);
}

/** A local part we write ourselves: plain, so it needs no quoting. */
const LOCAL_PART = /^[a-z0-9](?:[a-z0-9._+-]{0,62}[a-z0-9])?$/;

/**
 * The database's notifications address as Odoo computes it (`_get_default_from_address`,
 * odoo/addons/base/models/ir_mail_server.py, 16.0): `mail.default.from` when it is a whole
 * address, else `mail.default.from`@`mail.catchall.domain`. Those are tenant data: a whole
 * address or a catchall domain counts only within the database's own domains, otherwise the
 * local part goes on the database's own host ("notifications" when there is none).
 */
export function notificationsAddress(
  params: { defaultFrom?: string; catchallDomain?: string },
  domains: string[],
): string {
  const value = (params.defaultFrom ?? '').trim().toLowerCase();
  const at = value.lastIndexOf('@');
  const local = at >= 0 ? value.slice(0, at) : value;
  if (at >= 0 && LOCAL_PART.test(local) && isSenderDomain(domains, value))
    return `${local}@${domainOf(value)}`;
  const catchall = `x@${params.catchallDomain ?? ''}`;
  const domain = isSenderDomain(domains, catchall) ? domainOf(catchall) : domains[0];
  return `${LOCAL_PART.test(local) ? local : 'notifications'}@${domain}`;
}

/** Read once a minute per database: the rewrite should not cost a tenant connection per message. */
const CACHE_MS = 60_000;
const cached = new Map<string, { at: number; params: { defaultFrom?: string; catchallDomain?: string } }>();

/** The tenant's `mail.default.from` and `mail.catchall.domain` (none when it cannot be read). */
export async function notificationParams(
  app: App,
  database: string,
): Promise<{ defaultFrom?: string; catchallDomain?: string }> {
  const hit = cached.get(database);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.params;
  const row = await findDatabase(app.metabase, database);
  const params = row
    ? await app.tenants
        .withTenant(row, async (c) => ({
          defaultFrom: await getConfigParameter(c, 'mail.default.from'),
          catchallDomain: await getConfigParameter(c, 'mail.catchall.domain'),
        }))
        .catch(() => ({}))
    : {};
  cached.set(database, { at: Date.now(), params });
  return params;
}
