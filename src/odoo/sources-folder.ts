import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { runChild } from '../hosting/child-process.js';
import type { OdooSeries } from '../tenant/odoo-version.js';
import { isOdooTree } from './tree.js';

/**
 * A folder of Odoo sources (DBTOOLS_ODOO_SOURCES): one tree per series (`17.0/odoo-bin`), or the
 * archives Odoo's trees are shipped as here (`odoo-17.0.tar.zst`, ../shared/odoo), unpacked once
 * into the data folder under a key of the archives' checksums, so a new archive is a new folder.
 */
export async function odooTreeOf(folder: string, series: OdooSeries, dataDir: string): Promise<string | undefined> {
  const tree = path.join(folder, series);
  if (await isOdooTree(tree)) return tree;
  const archive = path.join(folder, `odoo-${series}.tar.zst`);
  if (!(await exists(archive))) return undefined;
  const dest = path.join(dataDir, 'odoo-sources', await archivesKey(folder, archive), series);
  const key = `${archive}\0${dest}`;
  let unpacking = unpacked.get(key);
  if (!unpacking) {
    unpacking = unpackOnce(archive, dest);
    unpacked.set(key, unpacking);
    unpacking.catch(() => unpacked.delete(key));
  }
  return unpacking;
}

// One unpacking per archive and folder in this process; another process finds the tree made.
const unpacked = new Map<string, Promise<string>>();

async function unpackOnce(archive: string, dest: string): Promise<string> {
  if (await isOdooTree(dest)) return dest;
  // A private partial folder renamed into place: a crash or a concurrent process never leaves
  // half a tree where the finished one is looked for.
  const partial = `${dest}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await runChild('tar', ['-I', 'zstd', '-x', '-f', archive, '-C', partial], { name: `tar -x -f ${archive}` });
  if (await isOdooTree(dest)) {
    await rm(partial, { recursive: true, force: true });
    return dest;
  }
  await rename(partial, dest);
  return dest;
}

/** The SHA256SUMS beside the archives when there is one (it pins them), else the archive's size and date. */
async function archivesKey(folder: string, archive: string): Promise<string> {
  const sums = await readFile(path.join(folder, 'SHA256SUMS')).catch(() => undefined);
  const basis = sums ?? Buffer.from(JSON.stringify(await stat(archive).then((s) => [archive, s.size, s.mtimeMs])));
  return createHash('sha256').update(basis).digest('hex').slice(0, 16);
}

function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

