import type { App } from '../app.js';
import { NotFound } from '../errors.js';
import { listServers } from '../metabase/repositories/servers.js';
import type { HostingServerRow } from '../metabase/schema.js';

export async function serverNamed(app: App, name: string): Promise<HostingServerRow | undefined> {
  return (await listServers(app.metabase)).find((s) => s.name === name);
}

/** The log folder of a server (its routes declare `tech_logs`; reading logs is not audited). */
export async function logServerFor(app: App, name: string): Promise<HostingServerRow> {
  const server = await serverNamed(app, name);
  if (!server) throw new NotFound(`There is no hosting server named ${name}.`);
  return server;
}
