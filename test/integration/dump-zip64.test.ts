import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDumpZip } from '../../src/dumps/build-zip.js';
import { DeflatePool } from '../../src/dumps/parallel-deflate.js';
import { manifest, pieces, readWithYauzl } from '../support/dump-zip.js';

const run = promisify(execFile);

// Here rather than in unit/: 65,540 real files on disk take a minute on a loaded machine.
describe('the dump zip of a large filestore', () => {
  let dir: string;
  let pool: DeflatePool;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dump-zip64-'));
    pool = new DeflatePool(2);
  });
  afterAll(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every entry past 65,535 of them (ZIP64 end records)', { timeout: 300_000 }, async () => {
    const filestore = path.join(dir, 'fs3');
    const n = 65_540;
    for (let d = 0; d < 100; d++) await mkdir(path.join(filestore, String(d).padStart(2, '0')), { recursive: true });
    for (let i = 0; i < n; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, n - i) }, (_, k) =>
          writeFile(path.join(filestore, String((i + k) % 100).padStart(2, '0'), String(i + k)), String(i + k)),
        ),
      );
    }
    const file = path.join(dir, 'many.zip');
    await writeDumpZip(pool, { sql: pieces(Buffer.from('SELECT 1;\n'), 100), manifest, filestore }, file);
    expect((await run('unzip', ['-tq', file])).stdout).toContain('No errors detected');
    const entries = await readWithYauzl(file, (name) => name.endsWith('/65539') || name === 'dump.sql');
    expect(entries.size).toBe(n + 2);
    expect(entries.get('filestore/39/65539')!.toString()).toBe('65539');
    expect(entries.get('dump.sql')!.toString()).toBe('SELECT 1;\n');
  });
});
