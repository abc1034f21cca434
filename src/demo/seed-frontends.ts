import { writeServerBlock } from '../frontend-config/nginx.js';
import type { HostingServerRow } from '../metabase/schema.js';
import type { DemoDatabase } from './catalog.js';

/**
 * A database seeded with security features on has the front end set-security would have
 * written: the same file, checked by `nginx -t` the same way, so the page shows it generated.
 */
export async function writeDemoFrontEnds(server: HostingServerRow, specs: DemoDatabase[]): Promise<void> {
  for (const spec of specs.filter((s) => s.metabase.secure)) {
    await writeServerBlock(server.config_dir, { database: spec.metabase.name, secure: true });
  }
}
