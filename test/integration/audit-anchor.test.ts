import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { App } from '../../src/app.js';
import { GENESIS_HASH, KEY_CUT_OVER, supportLogHash, type ChainedFields } from '../../src/audit/chain.js';
import { lastHead, readHeads } from '../../src/audit/heads.js';
import { AuditKey, auditKeyOf } from '../../src/audit/key.js';
import { publishHead } from '../../src/audit/publish.js';
import { auditHeadSchedule } from '../../src/audit/schedule.js';
import { verifySupportHistory } from '../../src/audit/verify.js';
import { loadConfig } from '../../src/config/config.js';
import { schedules } from '../../src/jobs/kinds.js';
import { connectMetabase, type MetabaseDb } from '../../src/metabase/connect.js';
import { insertSupportLog } from '../../src/metabase/repositories/support-logs.js';
import type { SupportLogRow } from '../../src/metabase/schema.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { testEnv } from '../support/env.js';
import { connectTestApp } from '../support/platform.js';
import { embeddedServer } from '../support/tenants.js';

/*
 * A platform on a metabase of its own (a database on the run's cluster) and a data folder of its
 * own (its audit key and heads file): the history can be rewritten and restored here without
 * touching the shared platform's.
 */
const bin = path.resolve(import.meta.dirname, '../../bin/dbtools.js');
let shared: App & { close(): Promise<void> };
let platform: Platform;
let app: App;
let dir: string;
let env: NodeJS.ProcessEnv;
let metabaseName: string;
let metabaseUrl: string;
/** Someone who writes the metabase: its credentials, no audit key. */
let attacker: MetabaseDb;

function dbtools(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const write = (i: number) =>
  insertSupportLog(app.metabase, {
    agent_id: null,
    agent_login: 'technical',
    agent_level: 3,
    operation: 'set-email-limit',
    database_name: `anchor-db-${i % 3}`,
    inputs: { limit: 100 + i },
    outcome: 'success',
    message: null,
    request_id: `req-anchor-${i}`,
  });

const history = () => attacker.selectFrom('support_log').selectAll().orderBy('id').execute();

/** Puts the history back as it was (ids, hashes and all), whatever was done to it. */
async function restore(rows: SupportLogRow[]): Promise<void> {
  await attacker.transaction().execute(async (tx) => {
    await sql`DELETE FROM support_log`.execute(tx);
    await tx
      .insertInto('support_log')
      .values(rows.map((r) => ({ ...r, inputs: JSON.stringify(r.inputs) })))
      .execute();
  });
  expect(await verifySupportHistory(app.metabase, app.config.audit.headsFile)).toMatchObject({ intact: true });
}

/** What a metabase writer does after an edit: every hash from `fromId` on recomputed with `hash`, links included. */
async function rehashFrom(fromId: number, hash: (f: ChainedFields) => string): Promise<void> {
  await attacker.transaction().execute(async (tx) => {
    const rows = await tx.selectFrom('support_log').selectAll().orderBy('id').execute();
    const ids: number[] = [];
    const prevs: string[] = [];
    const hashes: string[] = [];
    let prev = GENESIS_HASH;
    for (const row of rows) {
      if (Number(row.id) >= fromId) {
        const h = hash({ ...row, prev_hash: prev });
        ids.push(Number(row.id));
        prevs.push(prev);
        hashes.push(h);
        prev = h;
      } else prev = row.hash;
    }
    await sql`
      UPDATE support_log s SET prev_hash = u.prev_hash, hash = u.hash
        FROM unnest(${ids}::bigint[], ${prevs}::text[], ${hashes}::text[]) AS u(id, prev_hash, hash)
       WHERE s.id = u.id`.execute(tx);
  });
}

/** Every key the attacker can find in the metabase: each setting's value, as text and as base64. */
async function keysInTheMetabase(): Promise<AuditKey[]> {
  const settings = await attacker.selectFrom('platform_setting').select('value').execute();
  expect(settings.length).toBeGreaterThan(0);
  return settings.flatMap(({ value }) => [new AuditKey(Buffer.from(value)), new AuditKey(Buffer.from(value, 'base64'))]);
}

beforeAll(async () => {
  shared = await connectTestApp();
  const local = await embeddedServer(shared);
  metabaseName = `dbtools_audit_${process.pid}_${Date.now().toString(36)}`;
  await shared.tenants.withCluster(local.id, (admin) => admin.query(`CREATE DATABASE ${metabaseName}`));
  metabaseUrl = `postgres://${encodeURIComponent(local.superuser)}:${encodeURIComponent(local.password ?? '')}@127.0.0.1:${local.port}/${metabaseName}`;
  dir = await mkdtemp(path.join(tmpdir(), 'dbtools-audit-'));
  env = testEnv(dir, { DBTOOLS_METABASE_URL: metabaseUrl });
  platform = await startPlatform(loadConfig(env), { durable: false, log: pino({ level: 'warn' }) });
  app = platform.app;
  attacker = connectMetabase({ connectionString: metabaseUrl });
  for (let i = 1; i <= 6; i++) await write(i);
  expect(await publishHead(app.metabase, app.config.audit.headsFile)).toMatchObject({ published: {} });
  for (let i = 7; i <= 12; i++) await write(i);
  expect(await publishHead(app.metabase, app.config.audit.headsFile)).toMatchObject({ published: {} });
}, 120_000);

afterAll(async () => {
  await attacker?.destroy();
  await platform?.close();
  const local = await embeddedServer(shared);
  await shared.tenants.withCluster(local.id, (admin) => admin.query(`DROP DATABASE IF EXISTS ${metabaseName} WITH (FORCE)`));
  await shared.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the support history is anchored outside the metabase', () => {
  it('the audit key lives in a 0600 file of the data folder, and neither it nor anything that verifies with it is in the metabase', async () => {
    const keyFile = app.config.audit.keyFile;
    expect(keyFile).toBe(path.join(dir, 'audit', 'key'));
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const keyText = (await readFile(keyFile, 'utf8')).trim();
    const everything = JSON.stringify([
      await attacker.selectFrom('platform_setting').selectAll().execute(),
      await history(),
    ]);
    expect(everything).not.toContain(keyText);
    expect(everything).not.toContain(Buffer.from(keyText, 'base64').toString('hex'));
    for (const found of await keysInTheMetabase()) expect(found.id).not.toBe(auditKeyOf(app.metabase).id);
  });

  it('an untouched history: dbtools audit verify says intact, keyed from the cut-over entry, every published head checked', async () => {
    const rows = await history();
    const cutOver = rows.find((r) => r.operation === KEY_CUT_OVER)!;
    expect(cutOver).toMatchObject({ id: rows[0].id, database_name: '', inputs: { key_id: auditKeyOf(app.metabase).id } });
    const { code, stdout, stderr } = await dbtools('audit', 'verify');
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toContain(`The support history is intact: ${rows.length} entries; head ${rows.at(-1)!.hash}; signed with the audit key from entry #${cutOver.id}.`);
    // The cut-over's head, then the two of beforeAll.
    expect(stdout).toContain(`3 published heads checked (${app.config.audit.headsFile}).`);
    const json = await dbtools('audit', 'verify', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ intact: true, headId: Number(rows.at(-1)!.id), heads: { published: 3, rejectedLines: [] } });
  });

  it('an entry edited and the chain re-hashed after it, plainly or with any key found in the metabase: verify names that entry', async () => {
    const before = await history();
    const target = before[7];
    const attempts: [string, (f: ChainedFields) => string][] = [
      ['plain sha256', (f) => supportLogHash(f)],
      ...(await keysInTheMetabase()).map((k, i): [string, (f: ChainedFields) => string] => [`metabase key ${i}`, (f) => supportLogHash(f, k)]),
    ];
    for (const [how, hash] of attempts) {
      await sql`UPDATE support_log SET message = 'nothing happened here', agent_level = 5 WHERE id = ${target.id}`.execute(attacker);
      await rehashFrom(Number(target.id), hash);
      try {
        const { code, stdout } = await dbtools('audit', 'verify');
        expect(code, `${how}: ${stdout}`).toBe(1);
        expect(stdout, how).toContain(
          `The support history is broken at entry #${target.id} (database ${target.database_name}, ${target.at.toISOString()}): ` +
            'its content does not match its keyed hash (the entry was edited, or the history re-hashed without the audit key).',
        );
        // The schedule refuses to publish a head over it (and logs an error): the last head, the newest entry, was rewritten.
        expect(await publishHead(app.metabase, app.config.audit.headsFile), how).toMatchObject({
          refused: { id: Number(before.at(-1)!.id), reason: expect.stringMatching(/rewritten/) },
        });
      } finally {
        await restore(before);
      }
    }
  });

  it('an edit before the last published head, re-hashed plainly to the end, breaks at the edited entry too', async () => {
    const before = await history();
    const target = before[2];
    await sql`UPDATE support_log SET inputs = '{"limit": 99999}' WHERE id = ${target.id}`.execute(attacker);
    await rehashFrom(Number(target.id), (f) => supportLogHash(f));
    try {
      expect(await verifySupportHistory(app.metabase, app.config.audit.headsFile)).toMatchObject({
        intact: false,
        broken: { id: Number(target.id), database: target.database_name },
      });
      // The publisher only reads the entries after its last head, which no longer matches.
      const last = await lastHead(app.config.audit.headsFile, auditKeyOf(app.metabase));
      expect(await publishHead(app.metabase, app.config.audit.headsFile)).toMatchObject({
        refused: { id: last!.id, reason: expect.stringMatching(/rewritten/) },
      });
    } finally {
      await restore(before);
    }
  });

  it('the whole history rewritten with plain hashes and no cut-over entry: the published heads no longer match', async () => {
    const before = await history();
    await sql`DELETE FROM support_log WHERE operation = ${KEY_CUT_OVER}`.execute(attacker);
    await rehashFrom(0, (f) => supportLogHash(f));
    try {
      const heads = (await readHeads(app.config.audit.headsFile, auditKeyOf(app.metabase))).heads;
      const { code, stdout } = await dbtools('audit', 'verify');
      expect(code, stdout).toBe(1);
      // The cut-over's own head is gone with it: the first published head is named.
      expect(stdout).toContain(`broken at entry #${heads[0].id} (published head, ${heads[0].at.toISOString()}): it was published as the head`);
    } finally {
      await restore(before);
    }
  });

  it('deleting the newest entries is caught by the last published head; the same history untouched verifies again', async () => {
    const before = await history();
    const published = await publishHead(app.metabase, app.config.audit.headsFile);
    const head = 'published' in published ? published.published : 'unchanged' in published ? published.unchanged! : undefined;
    expect(head?.id).toBe(Number(before.at(-1)!.id));
    const kept = before.at(-4)!;
    await sql`DELETE FROM support_log WHERE id > ${kept.id}`.execute(attacker);
    try {
      const { code, stdout } = await dbtools('audit', 'verify');
      expect(code, stdout).toBe(1);
      expect(stdout).toContain(
        `broken at entry #${head!.id} (published head, ${head!.at.toISOString()}): it was published as the head on ${head!.at.toISOString()}, ` +
          `but the history now ends at #${kept.id} (the newest entries were deleted).`,
      );
    } finally {
      await restore(before);
    }
    expect((await dbtools('audit', 'verify')).code).toBe(0);
  });

  it('a line in the heads file not signed with the audit key is ignored and reported', async () => {
    const file = app.config.audit.headsFile;
    const original = await readFile(file, 'utf8');
    const lines = original.trimEnd().split('\n').length;
    await appendFile(file, JSON.stringify({ id: 999_999, hash: 'f'.repeat(64), at: new Date().toISOString(), mac: '0'.repeat(64) }) + '\n');
    try {
      const { code, stdout } = await dbtools('audit', 'verify');
      expect(code, stdout).toBe(0);
      expect(stdout).toContain(`Warning: lines ${lines + 1} of ${file} are not heads signed with the audit key (ignored).`);
    } finally {
      await writeFile(file, original);
    }
  });

  it('a process with another audit key refuses to start on this history', async () => {
    const other = loadConfig({ ...env, DBTOOLS_AUDIT_KEY: 'another key, long enough to be accepted' });
    await expect(startPlatform(other, { durable: false, log: pino({ level: 'silent' }) })).rejects.toThrow(
      `The support history is signed with the audit key ${auditKeyOf(app.metabase).id}, and this process has ${new AuditKey(Buffer.from('another key, long enough to be accepted')).id}`,
    );
  });

  it('a process publishes the newest head when it stops', async () => {
    const second = await startPlatform(loadConfig(env), { durable: false, log: pino({ level: 'warn' }) });
    await insertSupportLog(second.app.metabase, {
      agent_id: null,
      agent_login: 'system',
      agent_level: 5,
      operation: 'set-email-limit',
      database_name: 'anchor-db-0',
      inputs: {},
      outcome: 'success',
      message: null,
      request_id: null,
    });
    const newest = (await history()).at(-1)!;
    await second.close({ keepClusters: true });
    expect(await lastHead(app.config.audit.headsFile, auditKeyOf(app.metabase))).toMatchObject({ id: Number(newest.id), hash: newest.hash });
  });

  it('the running platform publishes its head every minute on the job schedule', async () => {
    expect(schedules).toContain(auditHeadSchedule);
    expect(auditHeadSchedule.cron).toBe('* * * * *');
    // The run's platform (global setup) runs the schedules: a new entry's head is published within a minute.
    await insertSupportLog(shared.metabase, {
      agent_id: null,
      agent_login: 'system',
      agent_level: 5,
      operation: 'set-email-limit',
      database_name: 'anchor-db-schedule',
      inputs: {},
      outcome: 'success',
      message: null,
      request_id: null,
    });
    const newest = await shared.metabase.selectFrom('support_log').select(['id', 'hash']).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    const sharedHeads = shared.config.audit.headsFile;
    expect(sharedHeads).toBe(path.join(inject('dataDir'), 'audit', 'heads.log'));
    const deadline = Date.now() + 75_000;
    let head = await lastHead(sharedHeads, auditKeyOf(shared.metabase));
    while ((head?.id ?? 0) < Number(newest.id) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      head = await lastHead(sharedHeads, auditKeyOf(shared.metabase));
    }
    expect(head?.id).toBeGreaterThanOrEqual(Number(newest.id));
  }, 90_000);
});
