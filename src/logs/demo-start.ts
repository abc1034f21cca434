import type { App } from '../app.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { startDemoLogWriter, type DemoLogWriter } from './demo-writer.js';
import { ensureDemoLogPassword } from './password.js';

/** The embedded default's technical logs: a first password and the Odoo-like writer. */
export async function startDemoLogs(app: App, server: HostingServerRow): Promise<DemoLogWriter> {
  await ensureDemoLogPassword(app, server.name);
  return startDemoLogWriter(app, server);
}
