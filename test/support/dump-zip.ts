import yauzl from 'yauzl';
import type { OdooManifest } from '../../src/dumps/manifest.js';

/** The input handed over in pieces of `piece` bytes, as a pipe would. */
export async function* pieces(data: Buffer, piece: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += piece) yield Buffer.from(data.subarray(at, at + piece));
}

/** Every entry's content, or only those `wanted` (the others listed with no content). */
export function readWithYauzl(file: string, wanted?: (name: string) => boolean): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (err, zip) => {
      if (err) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        if (wanted && !wanted(entry.fileName)) {
          out.set(entry.fileName, Buffer.alloc(0));
          return zip.readEntry();
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const parts: Buffer[] = [];
          stream.on('data', (d: Buffer) => parts.push(d));
          stream.on('error', reject);
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** A small valid manifest of an Odoo 17.0 dump. */
export const manifest: OdooManifest = {
  odoo_dump: '1',
  db_name: 'unit',
  version: '17.0',
  version_info: [17, 0, 0, 'final', 0, ''],
  major_version: '17.0',
  pg_version: '16.0',
  modules: { base: '17.0.1.3' },
};
