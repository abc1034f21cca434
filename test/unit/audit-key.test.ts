import { appendFile, chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendHead, lastHead, readHeads } from '../../src/audit/heads.js';
import { AuditKey } from '../../src/audit/key.js';
import { loadAuditKey } from '../../src/audit/load-key.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dbtools-audit-key-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the audit key', () => {
  it('DBTOOLS_AUDIT_KEY shorter than 32 characters is refused; the key file and heads file default to the data folder', () => {
    expect(() => loadConfig({ DBTOOLS_AUDIT_KEY: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ DBTOOLS_AUDIT_KEY: 'short' })).toThrow(/32 characters/);
    const config = loadConfig({ DBTOOLS_DATA_DIR: dir });
    expect(config.audit).toEqual({ key: undefined, keyFile: path.join(dir, 'audit', 'key'), headsFile: path.join(dir, 'audit', 'heads.log') });
    expect(loadConfig({ DBTOOLS_DATA_DIR: dir, DBTOOLS_AUDIT_HEADS_FILE: '/mnt/worm/heads.log' }).audit.headsFile).toBe('/mnt/worm/heads.log');
  });

  it('read from the process environment, DBTOOLS_AUDIT_KEY leaves it: no child process inherits the key', () => {
    process.env.DBTOOLS_AUDIT_KEY = 'x'.repeat(40);
    try {
      expect(loadConfig().audit.key).toBe('x'.repeat(40));
      expect(process.env.DBTOOLS_AUDIT_KEY).toBeUndefined();
    } finally {
      delete process.env.DBTOOLS_AUDIT_KEY;
    }
  });

  it('without DBTOOLS_AUDIT_KEY, a key file is made once (0600) and processes starting together all get the same key', async () => {
    const config = loadConfig({ DBTOOLS_DATA_DIR: path.join(dir, 'data') }).audit;
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadAuditKey(config)));
    expect(new Set(keys.map((k) => k.id)).size).toBe(1);
    expect((await stat(config.keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(config.keyFile))).mode & 0o777).toBe(0o700);
    expect(Buffer.from((await readFile(config.keyFile, 'utf8')).trim(), 'base64')).toHaveLength(32);
    expect((await loadAuditKey(config)).id).toBe(keys[0].id);
  });

  it('a key file that others may read is refused', async () => {
    const config = loadConfig({ DBTOOLS_DATA_DIR: path.join(dir, 'open') }).audit;
    await loadAuditKey(config);
    await chmod(config.keyFile, 0o640);
    await expect(loadAuditKey(config)).rejects.toThrow(/readable by its owner only/);
  });
});

describe('the heads file', () => {
  const key = new AuditKey(Buffer.from('k'.repeat(32)));
  const head = (id: number) => ({ id, hash: id.toString(16).padStart(64, '0'), at: new Date(Date.UTC(2026, 11, 7, 0, 0, id % 60)) });

  it('a missing file has no heads; appended heads read back in order, the last one from the end of the file', async () => {
    const file = path.join(dir, 'heads', 'one.log');
    expect(await readHeads(file, key)).toEqual({ heads: [], rejectedLines: [], missing: true });
    expect(await lastHead(file, key)).toBeUndefined();
    for (const id of [3, 7, 12]) await appendHead(file, key, head(id));
    expect(await readHeads(file, key)).toEqual({ heads: [head(3), head(7), head(12)], rejectedLines: [], missing: false });
    expect(await lastHead(file, key)).toEqual(head(12));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('lines not signed with the key (forged, another key, altered, not JSON) are rejected with their line numbers', async () => {
    const file = path.join(dir, 'heads', 'forged.log');
    await appendHead(file, key, head(1));
    await appendHead(file, new AuditKey(Buffer.from('another key of thirty-two bytes!')), head(2));
    const genuine = JSON.parse((await readFile(file, 'utf8')).split('\n')[0]) as Record<string, unknown>;
    await appendFile(file, JSON.stringify({ ...genuine, id: 99 }) + '\n' + 'not json\n');
    expect(await readHeads(file, key)).toEqual({ heads: [head(1)], rejectedLines: [2, 3, 4], missing: false });
    expect(await lastHead(file, key)).toEqual(head(1));
  });

  it('the last head is found in a file larger than the tail it reads first', async () => {
    const file = path.join(dir, 'heads', 'long.log');
    for (let id = 1; id <= 400; id++) await appendHead(file, key, head(id));
    expect((await stat(file)).size).toBeGreaterThan(64 * 1024);
    expect(await lastHead(file, key)).toEqual(head(400));
    await appendFile(file, 'x'.repeat(70 * 1024) + '\n');
    expect(await lastHead(file, key)).toEqual(head(400));
  });
});
