import type { App } from '../app.js';
import { databaseHost, frontEndOf } from '../frontend/index.js';
import { listServers } from '../metabase/repositories/servers.js';
import { domainSettings } from './settings.js';

export type DemoRecordType = 'A' | 'AAAA' | 'CNAME' | 'CAA' | 'SERVFAIL';
export const DEMO_RECORD_TYPES: DemoRecordType[] = ['A', 'AAAA', 'CNAME', 'CAA', 'SERVFAIL'];

/** One call to pebble-challtestsrv's management API (JSON in, 200 out). */
async function manage(managementUrl: string, endpoint: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(new URL(endpoint, managementUrl), {
    method: 'POST',
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok)
    throw new Error(`The demo DNS refused ${endpoint} (HTTP ${res.status}): ${(await res.text()).trim()}`);
}

/** `0 issue "letsencrypt.org"`, `issue letsencrypt.org` → challtestsrv's policy. */
function caaPolicy(value: string): { tag: string; value: string } {
  const m = /^(?:\d+\s+)?(issue|issuewild|iodef)\s+"?([^"]*)"?$/i.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a CAA record: write it as 'issue "letsencrypt.org"'.`);
  return { tag: m[1].toLowerCase(), value: m[2] };
}

/**
 * Sets a record of the demo DNS. A and AAAA add to the name's addresses, CAA to its policies,
 * CNAME replaces the alias; SERVFAIL makes every query of the name fail.
 */
export async function setDemoRecord(
  managementUrl: string,
  name: string,
  type: DemoRecordType,
  value: string,
): Promise<void> {
  const host = name.toLowerCase().replace(/\.?$/, '.');
  switch (type) {
    case 'A':
      return manage(managementUrl, '/add-a', { host, addresses: value.split(',').map((s) => s.trim()) });
    case 'AAAA':
      return manage(managementUrl, '/add-aaaa', { host, addresses: value.split(',').map((s) => s.trim()) });
    case 'CNAME':
      return manage(managementUrl, '/set-cname', { host, target: value.toLowerCase().replace(/\.?$/, '.') });
    case 'CAA':
      return manage(managementUrl, '/add-caa', { host, policies: [caaPolicy(value)] });
    case 'SERVFAIL':
      return manage(managementUrl, '/set-servfail', { host });
  }
}

/** Takes every record of the name away from the demo DNS. */
export async function clearDemoRecords(managementUrl: string, name: string): Promise<void> {
  const host = name.toLowerCase().replace(/\.?$/, '.');
  for (const endpoint of ['/clear-a', '/clear-aaaa', '/clear-cname', '/clear-caa', '/clear-servfail']) {
    await manage(managementUrl, endpoint, { host });
  }
}

/**
 * The demo DNS answers the platform zone as a real one would: `<database>.<zone>` has an A
 * record to its hosting server's front-end address (each server has its own loopback address).
 * Idempotent; a no-op outside the demo.
 */
export async function publishPlatformHosts(app: App): Promise<void> {
  const { demo } = await domainSettings(app);
  if (!demo) return;
  const servers = new Map((await listServers(app.metabase)).map((s) => [s.id, s]));
  const rows = await app.metabase
    .selectFrom('database')
    .select(['name', 'server_id'])
    .where('state', '=', 'active')
    .execute();
  for (const row of rows) {
    const front = frontEndOf(servers.get(row.server_id)!);
    if (!front) continue;
    const host = databaseHost(row.name, app.config.platformZone);
    await manage(demo.dnsManagementUrl, '/clear-a', { host: `${host}.` });
    await manage(demo.dnsManagementUrl, '/add-a', { host: `${host}.`, addresses: [front.address] });
  }
}
