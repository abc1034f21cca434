import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { embeddedServerPaths } from '../../src/platform.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startCluster, type EmbeddedCluster } from '../../src/hosting/cluster.js';
import { reapMoveRollbackCopies } from '../../src/jobs/reaper.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { findJob, finishJob, insertJob } from '../../src/metabase/repositories/jobs.js';
import { upsertServer } from '../../src/metabase/repositories/servers.js';
import type { DatabaseRow, HostingServerRow } from '../../src/metabase/schema.js';
import { getConfigParameter, setConfigParameter } from '../../src/tenant/config-parameters.js';
import { databaseFilestore } from '../../src/tenant/filestore.js';
import { CrashPlatform } from '../support/crash-platform.js';
import { waitForJob } from '../support/jobs.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

/**
 * A real `src/main.ts` (the crash harness) with a second hosting server of its own: a second
 * PostgreSQL cluster and its folders, registered in the platform's metabase. Databases move
 * from the embedded server `local` to `second`; kills hit every step of the move.
 */
let platform: CrashPlatform;
let secondCluster: EmbeddedCluster;
let local: HostingServerRow;
let second: HostingServerRow;

beforeAll(async () => {
  platform = await CrashPlatform.create();
  secondCluster = await startCluster({ dir: path.join(platform.dataDir, 'pg-second'), durable: false });
  const folders = embeddedServerPaths(platform.dataDir, 'second');
  for (const dir of Object.values(folders)) await mkdir(dir, { recursive: true });
  second = await upsertServer(platform.app.metabase, {
    name: 'second',
    host: secondCluster.socketDir,
    port: secondCluster.port,
    superuser: secondCluster.superuser,
    password: secondCluster.password,
    ...folders,
  });
  local = await embeddedServer(platform.app);
}, 300_000);

afterAll(async () => {
  await platform?.stop();
  await secondCluster?.stop();
  await platform?.close();
}, 180_000);

const HOUR = 3_600_000;

/**
 * What must arrive whole: each table's row count, two tables' full contents, and every file's
 * hash. Not ir_mail_server: the platform rewrites its relay record at every start.
 */
async function fingerprint(db: { name: string; server_id: number }, folder: string) {
  const tables = await platform.app.tenants.withTenant(db, async (c) => {
    const names = await c.query<{ t: string }>(
      `SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'ir_mail_server' ORDER BY 1`,
    );
    const out: Record<string, number | string> = {};
    for (const { t } of names.rows) {
      out[t] = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(t)}`)).rows[0].n;
    }
    for (const t of ['res_partner', 'ir_config_parameter']) {
      out[`${t} content`] = (
        await c.query<{ h: string }>(`SELECT md5(string_agg(x::text, '|' ORDER BY x.id)) AS h FROM ${t} x`)
      ).rows[0].h;
    }
    return out;
  });
  return { tables, files: await fileHashes(folder) };
}

async function fileHashes(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (rel: string) => {
    for (const d of await readdir(path.join(root, rel), { withFileTypes: true })) {
      const r = path.join(rel, d.name);
      if (d.isDirectory()) await visit(r);
      else out[r] = createHash('sha256').update(await readFile(path.join(root, r))).digest('hex');
    }
  };
  await visit('');
  return out;
}

/** Adds a file the way Odoo stores an attachment (content-addressed), as the live customer would. */
async function addAttachmentFile(folder: string, content: string): Promise<string> {
  const sha = createHash('sha1').update(content).digest('hex');
  const rel = path.join(sha.slice(0, 2), sha);
  await mkdir(path.join(folder, sha.slice(0, 2)), { recursive: true });
  await writeFile(path.join(folder, rel), content);
  return rel;
}

async function tenant(prefix: string): Promise<DatabaseRow> {
  const db = await createTestTenant(platform.app, { prefix });
  const folder = databaseFilestore(local.filestore_root, db.name);
  // A few more files than the demo's, one of them large enough to take a moment to copy.
  for (let i = 0; i < 20; i++) await addAttachmentFile(folder, `attachment ${i} of ${db.name}`);
  await addAttachmentFile(folder, 'x'.repeat(4 * 1024 * 1024) + db.name);
  return db;
}

async function databasesOn(server: HostingServerRow): Promise<string[]> {
  return platform.app.tenants.withCluster(server.id, async (admin) => {
    const r = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE NOT datistemplate`);
    return r.rows.map((x) => x.datname);
  });
}

async function rolesOn(server: HostingServerRow): Promise<string[]> {
  return platform.app.tenants.withCluster(server.id, async (admin) => {
    const r = await admin.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'dbtools_scratch_%'`);
    return r.rows.map((x) => x.rolname);
  });
}

/** Nothing of a move stays half-made anywhere: no scratch database, role, folder or dump but the kept rollback copies. */
async function strays(): Promise<string[]> {
  const out: string[] = [];
  const kept = (await platform.app.metabase.selectFrom('move_rollback_copy').select('copy_name').where('removed_at', 'is', null).execute()).map((r) => r.copy_name);
  for (const server of [local, second]) {
    for (const d of await databasesOn(server)) if (d.startsWith('dbtools_scratch_') && !kept.includes(d)) out.push(`${server.name}: database ${d}`);
    for (const r of await rolesOn(server)) out.push(`${server.name}: role ${r}`);
    for (const f of await readdir(server.filestore_root)) {
      if ((f.startsWith('dbtools_scratch_') && !kept.includes(f)) || f.endsWith('.partial')) out.push(`${server.name}: folder ${f}`);
    }
    for (const f of await readdir(server.backup_root).catch(() => [])) if (f.startsWith('dbtools_scratch_')) out.push(`${server.name}: dump ${f}`);
  }
  // Every registered database lives where its row says, and only there.
  const rows = await platform.app.metabase.selectFrom('database').selectAll().where('state', '=', 'active').execute();
  const [onLocal, onSecond] = [new Set(await databasesOn(local)), new Set(await databasesOn(second))];
  for (const row of rows) {
    // The embedded default's other server (local2) holds demo databases no move here touches.
    if (row.server_id !== local.id && row.server_id !== second.id) continue;
    const [here, there] = row.server_id === second.id ? [onSecond, onLocal] : [onLocal, onSecond];
    if (!here.has(row.name)) out.push(`${row.name} is missing from its server`);
    if (there.has(row.name)) out.push(`${row.name} is also on the other server`);
  }
  return out;
}

async function latestJob(database: string) {
  return platform.app.metabase
    .selectFrom('job')
    .selectAll()
    .where('database_name', '=', database)
    .where('kind', '=', 'move-database')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/** The database's settings and PUBLIC's CONNECT right on a cluster: a frozen source is read-only and closed. */
async function frozenState(server: HostingServerRow, name: string) {
  return platform.app.tenants.withCluster(server.id, async (admin) => {
    const r = await admin.query<{ settings: string[] | null; connect: boolean }>(
      `SELECT (SELECT setconfig FROM pg_db_role_setting s WHERE s.setdatabase = d.oid AND s.setrole = 0) AS settings,
              d.datacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT') AS connect
         FROM pg_database d WHERE d.datname = $1`,
      [name],
    );
    const row = r.rows[0];
    return row ? { readOnly: (row.settings ?? []).includes('default_transaction_read_only=on'), connect: row.connect } : undefined;
  });
}

/** The move of a database that arrived whole: its row, data and files on `second`, unlocked. */
async function expectMovedWhole(db: DatabaseRow, before: Awaited<ReturnType<typeof fingerprint>>, label: string) {
  const row = (await findDatabase(platform.app.metabase, db.name))!;
  expect(row.server_id, label).toBe(second.id);
  expect(row.status, label).toBe(db.status);
  expect(row.lock_reason, label).toBeNull();
  expect(await fingerprint(row, databaseFilestore(second.filestore_root, db.name)), label).toEqual(before);
  // Writable; CONNECT is PUBLIC's nowhere (the tenant's own role connects, as the platform does).
  expect(await frozenState(second, db.name), label).toEqual({ readOnly: false, connect: false });
  expect(await databasesOn(local), label).not.toContain(db.name);
}

describe('move-database', () => {
  it(
    'moves a database and its filestore to another server: the same rows and files there, the row switched, the downtime measured, the source kept read-only until the reaper removes it',
    { timeout: 300_000 },
    async () => {
      await platform.start();
      const db = await tenant('move');
      const before = await fingerprint(db, databaseFilestore(local.filestore_root, db.name));
      const infra = await platform.login('infra');
      const page = await infra.call('GET /api/databases/:name', { params: { name: db.name } });
      expect(page.body.tools.move).toMatchObject({ server: 'local', targets: ['local2', 'second'], lastMove: null, rollbackCopy: null });

      const res = await infra.run(db.name, 'move-database', { server: 'second' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.job).toMatchObject({ kind: 'move-database', database: db.name });
      const job = await waitForJob(infra, res.body.job.id, 240_000);
      expect(job.state, job.error ?? '').toBe('completed');
      expect(job.result).toMatchObject({ database: db.name, from: 'local', to: 'second' });
      expect(job.result.downtimeMs).toBeGreaterThan(0);
      expect(job.result.filestore.precopy.files).toBe(Object.keys(before.files).length);
      // Nothing changed while it was locked: the final sync copied nothing.
      expect(job.result.filestore.finalSync).toEqual({ copiedFiles: 0, copiedBytes: 0, removed: 0 });
      await expectMovedWhole(db, before, 'moved');

      // The page and the search say where it is now; the history says what happened.
      const after = await infra.get(`/api/databases/${db.name}`);
      expect(after.body.database.server).toBe('second');
      expect(after.body.tools.move).toMatchObject({ server: 'second', targets: ['local', 'local2'], lastMove: { from: 'local', to: 'second', downtimeMs: job.result.downtimeMs } });
      expect(after.body.tools.move.rollbackCopy.server).toBe('local');
      const logs = await platform.app.metabase.selectFrom('support_log').selectAll().where('database_name', '=', db.name).where('operation', '=', 'move-database').orderBy('id').execute();
      expect(logs.map((l) => l.outcome)).toEqual(['success', 'success']);
      expect(logs[1].message).toMatch(/Moved from local to second; unavailable for \d+\.\d s/);

      // The customer writes to the moved database on its new server.
      await platform.app.tenants.withTenant({ name: db.name, server_id: second.id }, (c) => setConfigParameter(c, 'test.after-move', 'yes'));

      // The rollback copy: on the old server, renamed into the scratch namespace, read-only, closed.
      const kept = `dbtools_scratch_moved_${res.body.job.id}`;
      expect(await frozenState(local, kept)).toEqual({ readOnly: true, connect: false });
      const keptFolder = path.join(local.filestore_root, kept);
      expect(await fileHashes(keptFolder)).toEqual(before.files);
      expect(await strays()).toEqual([]);

      // Kept for the configured time (72 hours by default), then removed by the reaper.
      const at = (ms: number): App => ({ ...platform.app, now: () => new Date(Date.now() + ms) });
      expect(await reapMoveRollbackCopies(at(71 * HOUR))).toEqual([]);
      expect(await databasesOn(local)).toContain(kept);
      expect(await reapMoveRollbackCopies(at(73 * HOUR))).toEqual([kept]);
      expect(await databasesOn(local)).not.toContain(kept);
      expect(await readdir(local.filestore_root)).not.toContain(kept);
      expect(await reapMoveRollbackCopies(at(74 * HOUR))).toEqual([]);
      expect((await infra.call('GET /api/databases/:name', { params: { name: db.name } })).body.tools.move.rollbackCopy).toBeNull();
      expect(
        await platform.app.tenants.withTenant({ name: db.name, server_id: second.id }, (c) => getConfigParameter(c, 'test.after-move')),
      ).toBe('yes');
      await platform.stop();
    },
  );

  it('refuses the server it is on and an unknown server (422), a database a job holds or whose name the target has (409), and levels below Infrastructure (403)', { timeout: 120_000 }, async () => {
    await platform.start();
    const db = await createTestTenant(platform.app, { prefix: 'refuse' });
    const infra = await platform.login('infra');
    const same = await infra.run(db.name, 'move-database', { server: 'local' });
    expect(same.status).toBe(422);
    expect(same.body.error.message).toMatch(/already on local/);
    const unknown = await infra.run(db.name, 'move-database', { server: 'nowhere' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toMatch(/no hosting server named nowhere/);
    const office = await platform.login('saas-office');
    expect((await office.run(db.name, 'move-database', { server: 'second' })).status).toBe(403);
    expect((await office.call('GET /api/databases/:name', { params: { name: db.name } })).body.tools.move).toBeUndefined();

    const holding = await insertJob(platform.app.metabase, { kind: 'backup', database_name: db.name, agent_id: null, payload: {} });
    const held = await infra.run(db.name, 'move-database', { server: 'second' });
    expect(held.status).toBe(409);
    expect(held.body.error.message).toMatch(new RegExp(`backup job \\(#${holding.id}`));
    await finishJob(platform.app.metabase, holding.id, { state: 'failed', error: 'test' });

    await platform.app.tenants.withCluster(second.id, (admin) => admin.query(`CREATE DATABASE ${pg.escapeIdentifier(db.name)}`));
    const taken = await infra.run(db.name, 'move-database', { server: 'second' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toMatch(/second already has a database named/);
    await platform.app.tenants.withCluster(second.id, (admin) => admin.query(`DROP DATABASE ${pg.escapeIdentifier(db.name)}`));
    expect((await findDatabase(platform.app.metabase, db.name))!.server_id).toBe(local.id);
    await platform.stop();
  });

  it('the final sync copies only the files added or changed after the pre-copy, and removes the ones deleted meanwhile', { timeout: 240_000 }, async () => {
    const db = await tenant('sync');
    const folder = databaseFilestore(local.filestore_root, db.name);
    await platform.start('move-database:lock');
    const infra = await platform.login('infra');
    await infra.run(db.name, 'move-database', { server: 'second' }).catch(() => undefined);
    expect(await platform.waitForExit()).toBe('SIGKILL');
    // While the process is dead, past the pre-copy: the customer adds a file and deletes one.
    const added = await addAttachmentFile(folder, 'written after the pre-copy');
    const gone = Object.keys(await fileHashes(folder)).find((f) => f !== added)!;
    await rm(path.join(folder, gone));
    const before = await fingerprint(db, folder);
    await platform.start();
    const job = await waitForJob(await platform.login('infra'), (await latestJob(db.name))!.id, 240_000);
    expect(job.state, job.error ?? '').toBe('completed');
    expect(job.result.filestore.finalSync).toEqual({ copiedFiles: 1, copiedBytes: 'written after the pre-copy'.length, removed: 1 });
    await expectMovedWhole(db, before, 'sync');
    expect(await strays()).toEqual([]);
    await platform.stop();
  });

  const POINTS = [
    'precopy-filestore',
    'lock',
    'lock:after',
    'dump',
    'restore',
    'restore:after',
    'final-sync',
    'switch',
    'switch:after',
    'unlock',
    'keep-source',
    'cleanup',
  ];
  for (const point of POINTS) {
    it(`a move killed at ${point} completes after the restart, whole, with nothing left behind`, { timeout: 240_000 }, async () => {
      const db = await tenant('crash');
      const before = await fingerprint(db, databaseFilestore(local.filestore_root, db.name));
      await platform.start(`move-database:${point}`);
      const infra = await platform.login('infra');
      await infra.run(db.name, 'move-database', { server: 'second' }).catch(() => undefined);
      expect(await platform.waitForExit(120_000)).toBe('SIGKILL');
      const job = await latestJob(db.name);
      expect(job, 'the move was queued before the crash').toBeDefined();
      await platform.start();
      const done = await waitForJob(await platform.login('infra'), job!.id, 240_000);
      expect(done.state, `${point}: ${done.error}`).toBe('completed');
      await expectMovedWhole(db, before, point);
      expect(await strays(), point).toEqual([]);
      await platform.stop();
    });
  }

  for (const step of ['dump', 'restore']) {
    it(`a move killed in the middle of its ${step} (pg tools still running) completes after the restart, whole, with nothing left behind`, { timeout: 300_000 }, async () => {
      const db = await tenant('midstep');
      // Enough data for the step to last a few seconds.
      await platform.app.tenants.withTenant(db, async (c) => {
        await c.query(`CREATE TABLE bulk_data AS SELECT g AS id, repeat(md5(g::text), 8) AS body FROM generate_series(1, 400000) g`);
        await c.query('ALTER TABLE bulk_data ADD PRIMARY KEY (id)');
      });
      const before = await fingerprint(db, databaseFilestore(local.filestore_root, db.name));
      await platform.start();
      const infra = await platform.login('infra');
      const res = await infra.run(db.name, 'move-database', { server: 'second' });
      expect(res.status).toBe(200);
      const deadline = Date.now() + 120_000;
      while ((await findJob(platform.app.metabase, res.body.job.id))?.step !== step) {
        if (Date.now() > deadline) throw new Error(`the move never reached ${step}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      await new Promise((r) => setTimeout(r, 400));
      const mid = (await findJob(platform.app.metabase, res.body.job.id))!;
      expect(mid, 'still inside the step when killed').toMatchObject({ state: 'running', step });
      await platform.stop();

      await platform.start();
      const done = await waitForJob(await platform.login('infra'), res.body.job.id, 240_000);
      expect(done.state, done.error ?? '').toBe('completed');
      await expectMovedWhole(db, before, step);
      expect(await strays(), step).toEqual([]);
      await platform.stop();
    });
  }

  it('a move that fails for good after a kill is rolled back: the database stays on its server, writable and unlocked, and nothing of it is left on the target', { timeout: 240_000 }, async () => {
    const db = await tenant('rollback');
    const before = await fingerprint(db, databaseFilestore(local.filestore_root, db.name));
    await platform.start('move-database:switch');
    const infra = await platform.login('infra');
    await infra.run(db.name, 'move-database', { server: 'second' }).catch(() => undefined);
    expect(await platform.waitForExit(120_000)).toBe('SIGKILL');
    // Killed with the copy restored and synced on the target; meanwhile someone else made a
    // database of that name there: the switch must not take it, and the rollback must not drop it.
    await platform.app.tenants.withCluster(second.id, (admin) => admin.query(`CREATE DATABASE ${pg.escapeIdentifier(db.name)}`));
    const during = (await findDatabase(platform.app.metabase, db.name))!;
    expect(during).toMatchObject({ server_id: local.id, lock_reason: 'moving' });
    expect(await frozenState(local, db.name)).toEqual({ readOnly: true, connect: false });

    await platform.start();
    const done = await waitForJob(await platform.login('infra'), (await latestJob(db.name))!.id, 240_000);
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/appeared on second/);
    const row = (await findDatabase(platform.app.metabase, db.name))!;
    expect(row).toMatchObject({ server_id: local.id, status: db.status, lock_reason: null });
    expect(await frozenState(local, db.name)).toEqual({ readOnly: false, connect: false });
    expect(await fingerprint(row, databaseFilestore(local.filestore_root, db.name))).toEqual(before);
    expect(await databasesOn(second)).toContain(db.name); // not ours: left alone
    await platform.app.tenants.withCluster(second.id, (admin) => admin.query(`DROP DATABASE ${pg.escapeIdentifier(db.name)}`));
    expect(await strays()).toEqual([]);
    const log = await platform.app.metabase.selectFrom('support_log').selectAll().where('database_name', '=', db.name).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(log).toMatchObject({ operation: 'move-database', outcome: 'failure' });
    expect(log.message).toMatch(/undone; the database stays on local/);
    await platform.stop();
  });
});
