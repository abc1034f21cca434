import type { App } from '../app.js';
import { NotAllowed, NotFound } from '../errors.js';
import { listServers } from '../metabase/repositories/servers.js';
import type { AgentRow, HostingServerRow } from '../metabase/schema.js';

export async function serverNamed(app: App, name: string): Promise<HostingServerRow | undefined> {
  return (await listServers(app.metabase)).find((s) => s.name === name);
}

/** The log folder of a server, for an agent whose level reads technical logs (a read: not audited). */
export async function logServerFor(app: App, agent: AgentRow, name: string): Promise<HostingServerRow> {
  if (!app.policy.allows(agent.level, 'tech_logs')) {
    throw new NotAllowed(`Technical logs need the ${app.policy.levelName(app.policy.minimumLevel('tech_logs'))} level.`);
  }
  const server = await serverNamed(app, name);
  if (!server) throw new NotFound(`There is no hosting server named ${name}.`);
  return server;
}
