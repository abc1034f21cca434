import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { attachmentChecksum, storeFnameFor } from '../tenant/filestore.js';

/**
 * Asset bundles are ir.attachment rows Odoo generates on demand (odoo/addons/base/models/assetsbundle.py):
 * public binaries of res_model ir.ui.view, res_id 0, their url `/web/assets/<unique>/<bundle>.min.<ext>`
 * (17.0+), the file in the filestore. An upgrade throws the old bundles away (their code is the
 * old version's) and the first request of the new version writes new ones: ours writes them at
 * once, so the filestore additions it sends back are real files of the upgraded database.
 */
interface Bundle {
  name: string;
  ext: 'js' | 'css';
  /** Only when one of these modules is installed (empty: always). */
  needs: string[];
}

const BUNDLES: Bundle[] = [
  { name: 'web.assets_web', ext: 'js', needs: [] },
  { name: 'web.assets_web', ext: 'css', needs: [] },
  { name: 'web.assets_frontend', ext: 'js', needs: ['website'] },
  { name: 'web.assets_frontend', ext: 'css', needs: ['website'] },
];

export interface RegeneratedAsset {
  storeFname: string;
  url: string;
}

/**
 * Deletes the database's asset attachments and writes the target version's, their files under
 * `filestoreDir` (laid out as the database's filestore folder). Answers what it wrote.
 */
export async function regenerateAssets(
  client: pg.ClientBase,
  opts: { target: string; modules: string[]; filestoreDir: string; now: Date },
): Promise<{ removed: number; written: RegeneratedAsset[] }> {
  const removed = await client.query(`DELETE FROM ir_attachment WHERE res_model = 'ir.ui.view' AND url LIKE '/web/assets/%'`);
  // Module names come from the customer's database: only Odoo-shaped ones reach the bundle text.
  const modules = opts.modules.filter((m) => /^[a-z0-9_]{1,64}$/.test(m));
  const installed = new Set(modules);
  const written: RegeneratedAsset[] = [];
  for (const bundle of BUNDLES.filter((b) => b.needs.length === 0 || b.needs.some((m) => installed.has(m)))) {
    const content = bundleContent(bundle, opts.target, modules);
    const checksum = attachmentChecksum(content);
    const unique = createHash('sha1').update(`${opts.target}:${checksum}`).digest('hex').slice(0, 7);
    const fileName = `${bundle.name}.min.${bundle.ext}`;
    const url = `/web/assets/${unique}/${fileName}`;
    const storeFname = storeFnameFor(checksum);
    const file = path.join(opts.filestoreDir, storeFname);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    await client.query(
      `INSERT INTO ir_attachment (name, res_model, res_id, type, url, public, store_fname, file_size, checksum, mimetype,
                                  create_uid, create_date, write_uid, write_date)
       VALUES ($1, 'ir.ui.view', 0, 'binary', $2, true, $3, $4, $5, $6, 1, $7, 1, $7)`,
      [fileName, url, storeFname, content.length, checksum, bundle.ext === 'js' ? 'text/javascript' : 'text/css', opts.now],
    );
    written.push({ storeFname, url });
  }
  return { removed: removed.rowCount ?? 0, written };
}

/** A bundle's text: which version and modules it was built for (what a real bundle's sources depend on). */
function bundleContent(bundle: Bundle, target: string, modules: string[]): Buffer {
  const header = `/* ${bundle.name} (${bundle.ext}) for Odoo ${target}: ${modules.length} modules */\n`;
  const body =
    bundle.ext === 'js'
      ? modules.map((m) => `odoo.define("@${m}/index", [], function () { return { version: "${target}" }; });`).join('\n')
      : modules.map((m) => `.o_${m.replace(/[^a-z0-9_]/g, '')} { --o-version: "${target}"; }`).join('\n');
  return Buffer.from(header + body + '\n');
}
