import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32, inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifest, pieces, readWithYauzl } from '../support/dump-zip.js';
import { crc32Combine } from '../../src/dumps/crc32-combine.js';
import { DeflatePool, deflateInParallel, type DeflatedBody } from '../../src/dumps/parallel-deflate.js';
import { writeDumpZip } from '../../src/dumps/build-zip.js';
import { FileReader } from '../../src/dumps/zip-entries.js';

const run = promisify(execFile);

async function collect(body: DeflatedBody): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of body.data) out.push(b);
  return Buffer.concat(out);
}

/** SQL-like text: repetitive enough that chunks refer back into the chunk before them. */
function sqlText(bytes: number): Buffer {
  const lines: string[] = [];
  let n = 0;
  for (let size = 0; size < bytes; n++) {
    const line = `${n}\t2024-01-01 10:00:00\tmessage body ${n % 97} ${randomBytes(6).toString('hex')}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

describe('crc32Combine', () => {
  it('gives the CRC-32 of A followed by B from the CRCs of A and B and the length of B', () => {
    for (const [a, b] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [3, 1000],
      [65_536, 7],
      [100_000, 1_048_576],
    ]) {
      const A = randomBytes(a);
      const B = randomBytes(b);
      expect(crc32Combine(crc32(A), crc32(B), B.length)).toBe(crc32(Buffer.concat([A, B])));
    }
  });

  it('folds over many chunks to the CRC of the whole', () => {
    const data = randomBytes(300_000);
    let crc = 0;
    for (let at = 0; at < data.length; at += 12_345) {
      const chunk = data.subarray(at, at + 12_345);
      crc = crc32Combine(crc, crc32(chunk), chunk.length);
    }
    expect(crc).toBe(crc32(data));
  });

  it('handles lengths beyond 4 GB (a zeroed B of 2^32 + 5 bytes, computed by the same math by halves)', () => {
    // crc(A·Z) for a run Z of zeros: combining two halves must equal combining the whole at once.
    const A = randomBytes(100);
    const half = 2 ** 31 + 2;
    const zerosCrc = (n: number) => {
      // crc32 of n zero bytes, by doubling: crc(Z_2k) = combine(crc(Z_k), crc(Z_k), k).
      let crc = 0;
      let len = 0;
      let blockCrc = crc32(Buffer.alloc(1));
      let blockLen = 1;
      for (let m = n; m > 0; m = Math.floor(m / 2)) {
        if (m % 2) {
          crc = crc32Combine(crc, blockCrc, blockLen);
          len += blockLen;
        }
        blockCrc = crc32Combine(blockCrc, blockCrc, blockLen);
        blockLen *= 2;
      }
      expect(len).toBe(n);
      return crc;
    };
    const whole = crc32Combine(crc32(A), zerosCrc(2 * half + 1), 2 * half + 1);
    const byHalves = crc32Combine(
      crc32Combine(crc32Combine(crc32(A), zerosCrc(half), half), zerosCrc(half), half),
      zerosCrc(1),
      1,
    );
    expect(whole).toBe(byHalves);
    expect(zerosCrc(1000)).toBe(crc32(Buffer.alloc(1000)));
  });
});

describe('the parallel deflate', () => {
  let pool: DeflatePool;
  beforeAll(() => {
    pool = new DeflatePool(3);
  });
  afterAll(async () => {
    await pool.close();
  });

  const cases: [string, Buffer, number, number][] = [
    ['empty input', Buffer.alloc(0), 64 * 1024, 1024],
    ['one byte', Buffer.from('x'), 64 * 1024, 1],
    ['exactly one chunk', randomBytes(64 * 1024), 64 * 1024, 4096],
    ['one chunk and one byte', randomBytes(64 * 1024 + 1), 64 * 1024, 4096],
    ['one byte short of two chunks', sqlText(128 * 1024 - 1), 64 * 1024, 7_777],
    ['many chunks of random data', randomBytes(3 * 1024 * 1024 + 123), 256 * 1024, 65_536],
    ['many chunks of text, in odd pieces', sqlText(2 * 1024 * 1024 + 17), 100_000, 9_999],
    ['chunks smaller than the window', sqlText(200_000), 1_000, 333],
  ];
  for (const [name, input, chunkBytes, piece] of cases) {
    it(`inflates back to its input, with its CRC-32 and size: ${name}`, async () => {
      const body = deflateInParallel(pool, pieces(input, piece), { level: 1, chunkBytes });
      const deflated = await collect(body);
      expect(inflateRawSync(deflated).equals(input)).toBe(true);
      expect(body.digest()).toEqual({ crc32: crc32(input), size: input.length });
    });
  }

  it('compresses text about as well as one stream (the chunk before serves as the dictionary)', async () => {
    const text = sqlText(2 * 1024 * 1024);
    const parallel = await collect(deflateInParallel(pool, pieces(text, 65_536), { level: 1, chunkBytes: 128 * 1024 }));
    const { deflateRawSync } = await import('node:zlib');
    expect(parallel.length).toBeLessThan(deflateRawSync(text, { level: 1 }).length * 1.02);
  });

  it('refuses to tell the CRC of an entry not read to its end', async () => {
    const body = deflateInParallel(pool, pieces(randomBytes(10_000), 1000), { level: 1, chunkBytes: 4096 });
    expect(() => body.digest()).toThrow(/not read to its end/);
  });
});

/** A filestore folder laid out as Odoo's (`<2 hex>/<sha1>`) from name → content. */
async function filestoreOf(root: string, files: [string, Buffer][]): Promise<void> {
  for (const [rel, content] of files) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
  }
}

describe('the dump zip (written by zip.js, dump.sql passed through from the parallel deflate)', () => {
  let dir: string;
  let pool: DeflatePool;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dump-zip-'));
    pool = new DeflatePool(2);
  });
  afterAll(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is read back byte for byte by unzip -t, yauzl and Python (Odoo restore), in Odoo’s order, leaving no temporary file', async () => {
    const sql = sqlText(3 * 1024 * 1024 + 5);
    const picture = randomBytes(200_000);
    const text = sqlText(50_000);
    const filestore = path.join(dir, 'fs1');
    await filestoreOf(filestore, [
      ['0e/empty', Buffer.alloc(0)],
      ['ab/abcdef', picture],
      ['cd/cdef01', text],
    ]);
    const out = path.join(dir, 'out1');
    await mkdir(out);
    const file = path.join(out, 'dump.zip');
    const size = await writeDumpZip(pool, { sql: pieces(sql, 65_536), manifest, filestore }, file);

    expect(size).toBe((await stat(file)).size);
    expect(await readdir(out)).toEqual(['dump.zip']);
    const tested = await run('unzip', ['-t', file]);
    expect(tested.stdout).toContain('No errors detected');
    const entries = await readWithYauzl(file);
    expect([...entries.keys()]).toEqual([
      'dump.sql',
      'manifest.json',
      'filestore/0e/empty',
      'filestore/ab/abcdef',
      'filestore/cd/cdef01',
    ]);
    expect(entries.get('dump.sql')!.equals(sql)).toBe(true);
    expect(JSON.parse(entries.get('manifest.json')!.toString())).toEqual(manifest);
    expect(entries.get('filestore/ab/abcdef')!.equals(picture)).toBe(true);
    expect(entries.get('filestore/cd/cdef01')!.equals(text)).toBe(true);
    expect(entries.get('filestore/0e/empty')!.length).toBe(0);
    const py = await run('python3', [
      '-c',
      'import sys, zipfile, hashlib; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; ' +
        'print(hashlib.sha256(z.read("dump.sql")).hexdigest()); ' +
        'print(" ".join("%s:%d" % (i.filename, i.compress_type) for i in z.infolist()))',
      file,
    ]);
    const [digest, methods] = py.stdout.trim().split('\n');
    expect(digest).toBe(createHash('sha256').update(sql).digest('hex'));
    // Deflated: the SQL, the manifest and text; stored: the incompressible attachment.
    expect(methods).toContain('dump.sql:8');
    expect(methods).toContain('filestore/ab/abcdef:0');
    expect(methods).toContain('filestore/cd/cdef01:8');
  });

  it('stores incompressible files and deflates compressible ones, small (read whole) or large (streamed), every header complete', async () => {
    const files: [string, Buffer][] = [
      ['aa/large-picture', randomBytes(5 * 1024 * 1024 + 3)],
      ['bb/large-text', sqlText(6 * 1024 * 1024 + 11)],
      ['cc/small-text', sqlText(100_000)],
      ['dd/tiny', Buffer.from('hello')],
      ['ee/small-picture', randomBytes(300_000)],
    ];
    const filestore = path.join(dir, 'fs4');
    await filestoreOf(filestore, files);
    const out = path.join(dir, 'out4');
    await mkdir(out);
    const file = path.join(out, 'dump.zip');
    await writeDumpZip(pool, { sql: pieces(sqlText(100_000), 10_000), manifest, filestore }, file);

    expect(await readdir(out)).toEqual(['dump.zip']);
    expect((await run('unzip', ['-t', file])).stdout).toContain('No errors detected');
    const py = await run('python3', [
      '-c',
      'import sys, zipfile, hashlib; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None\n' +
        'for i in z.infolist(): print(i.filename, i.compress_type, i.flag_bits & 8, hashlib.sha256(z.read(i)).hexdigest())',
      file,
    ]);
    const listed = new Map(
      py.stdout
        .trim()
        .split('\n')
        .map((line) => {
          const [name, method, descriptor, digest] = line.split(' ');
          return [name, { method: Number(method), descriptor: Number(descriptor), digest }] as const;
        }),
    );
    const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    for (const [rel, content] of files) expect(listed.get(`filestore/${rel}`)?.digest).toBe(sha256(content));
    expect([...listed].map(([name, e]) => [name, e.method])).toEqual([
      ['dump.sql', 8],
      ['manifest.json', 8],
      ['filestore/aa/large-picture', 0],
      ['filestore/bb/large-text', 8],
      ['filestore/cc/small-text', 8],
      // Deflating 5 bytes makes them longer.
      ['filestore/dd/tiny', 0],
      ['filestore/ee/small-picture', 0],
    ]);
    // CRC and sizes known before each entry's data: no data descriptor after it.
    expect([...listed.values()].every((e) => e.descriptor === 0)).toBe(true);
  });

  it('starts afresh over what a killed run left beside the zip (half zip, temporary files)', async () => {
    const out = path.join(dir, 'out5');
    const file = path.join(out, 'dump.zip');
    await mkdir(`${file}.parts`, { recursive: true });
    await writeFile(`${file}.parts/sql-0`, 'left by a killed run');
    await writeFile(`${file}.parts/deflated-7`, 'left by a killed run');
    await writeFile(`${file}.partial`, 'left by a killed run');
    const sql = sqlText(200_000);
    await writeDumpZip(pool, { sql: pieces(sql, 10_000), manifest, filestore: path.join(dir, 'none') }, file);
    expect(await readdir(out)).toEqual(['dump.zip']);
    expect((await readWithYauzl(file)).get('dump.sql')!.equals(sql)).toBe(true);
  });

  it('refuses to copy a file whose size changed since its CRC was computed', async () => {
    const changed = path.join(dir, 'changed');
    await writeFile(changed, randomBytes(1000));
    await expect(new FileReader(changed, 999).init()).rejects.toThrow(/changed while it was dumped/);
  });

  it('leaves neither the zip nor a temporary file when dump.sql is cut short (pg_dump failing)', async () => {
    const out = path.join(dir, 'out2');
    await mkdir(out);
    const file = path.join(out, 'dump.zip');
    const sqlDone = Promise.reject(new Error('pg_dump exited with 1'));
    sqlDone.catch(() => undefined);
    await expect(
      writeDumpZip(pool, { sql: pieces(sqlText(100_000), 10_000), sqlDone, manifest, filestore: path.join(dir, 'none') }, file),
    ).rejects.toThrow(/pg_dump exited/);
    expect(await readdir(out)).toEqual([]);
  });
});
