import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import type { App } from '../../src/app.js';
import { DEMO_AGENTS } from '../../src/demo/seed-demo.js';
import { runPgToolAsLoader } from '../../src/hosting/backup-pg.js';
import { tenantRoleName } from '../../src/hosting/tenant-role.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { listServers } from '../../src/metabase/repositories/servers.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { METABASE_NAME } from '../../src/platform.js';
import { uploadDump } from '../support/dump-uploads.js';
import { AgentSession } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

/**
 * A customer's database is hostile: everything legal in one's own database is planted in the
 * dump (operators and functions shadowing the built-ins, the database's search_path put behind
 * them, triggers and rules on every table, a table replaced by a view, SECURITY DEFINER
 * functions). Each planted piece tries what only a superuser can: run a program, create a
 * superuser role. Then every Tools page section and every tenant operation runs on it.
 */
let app: App & { close(): Promise<void> };
let infra: AgentSession;
const tag = `${process.pid}_${Date.now().toString(36)}`;
const proofFile = path.join(tmpdir(), `dbtools-tenant-attack-${tag}`);
const pwnedRole = `pwned_${tag}`;
const name = `attack-${tag.replace(/_/g, '-')}`;

/** What every planted piece runs. Counters are sequences: nextval survives the caller's rollback. */
const PLANTED = `
CREATE SEQUENCE public.pwn_fired;
CREATE SEQUENCE public.pwn_fired_as_superuser;
CREATE FUNCTION public.pwn() RETURNS boolean LANGUAGE plpgsql AS $pwn$
BEGIN
  BEGIN PERFORM nextval('public.pwn_fired'); EXCEPTION WHEN OTHERS THEN NULL; END;
  IF current_setting('is_superuser') = 'on' THEN
    BEGIN PERFORM nextval('public.pwn_fired_as_superuser'); EXCEPTION WHEN OTHERS THEN NULL; END;
  END IF;
  BEGIN EXECUTE 'COPY (SELECT current_user) TO PROGRAM ''cat > ${proofFile}'''; EXCEPTION WHEN OTHERS THEN NULL; END;
  BEGIN EXECUTE 'CREATE ROLE ${pwnedRole} LOGIN SUPERUSER PASSWORD ''pwned'''; EXCEPTION WHEN OTHERS THEN NULL; END;
  RETURN true;
END $pwn$;
-- SECURITY DEFINER: runs as its owner, whoever calls it (the owner was the superuser once).
CREATE FUNCTION public.pwn_definer() RETURNS boolean LANGUAGE sql SECURITY DEFINER AS 'SELECT public.pwn()';
CREATE FUNCTION public.pwn_trigger() RETURNS trigger LANGUAGE plpgsql AS $t$
BEGIN PERFORM public.pwn_definer(); RETURN NULL; END $t$;
-- Built-ins shadowed, and the database's search_path puts public first.
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS $f$ BEGIN PERFORM public.pwn(); RETURN pg_catalog.now(); END $f$;
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN PERFORM public.pwn(); RETURN pg_catalog.lower($1); END $f$;
CREATE FUNCTION public.pwn_texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS $f$ BEGIN PERFORM public.pwn(); RETURN pg_catalog.texteq($1, $2); END $f$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.pwn_texteq);
DO $d$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = public, pg_catalog', current_database()); END $d$;
-- Every table the platform may read or write: a trigger on each statement. A rule on the
-- updates of two (a rule on a table makes PostgreSQL refuse INSERT … ON CONFLICT on it).
DO $d$
DECLARE t record;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT LIKE 'pwn%' LOOP
    EXECUTE format('CREATE TRIGGER pwn BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION public.pwn_trigger()', t.relname);
  END LOOP;
  CREATE RULE pwn AS ON UPDATE TO public.res_users DO ALSO SELECT public.pwn_definer();
  CREATE RULE pwn AS ON UPDATE TO public.ir_cron DO ALSO SELECT public.pwn_definer();
END $d$;
-- A table the Tools page reads, replaced by a view that calls the payload on every read.
ALTER TABLE public.res_company RENAME TO res_company_real;
CREATE VIEW public.res_company AS SELECT * FROM public.res_company_real WHERE public.pwn_definer();
`;

async function odooZip(sql: Buffer): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(sql, 'dump.sql');
  zip.addBuffer(Buffer.from(JSON.stringify({ odoo_dump: '1', version: '17.0', major_version: '17.0' })), 'manifest.json');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A realistic customer database's plain dump (a demo tenant's), with the planted SQL after it. */
async function plantedDump(): Promise<Buffer> {
  const base = await createTestTenant(app, { prefix: 'attack-base' });
  const server = await embeddedServer(app);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await runPgToolAsLoader(server, app.tenants.tenantLogin(base.name), 'pg_dump', ['--no-owner', '--no-acl'], { stdout: out });
  return Buffer.concat([...chunks, Buffer.from(PLANTED)]);
}

async function counters(db: DatabaseRow): Promise<{ fired: number; asSuperuser: number }> {
  return app.tenants.withTenant(db, async (c) => {
    const r = await c.query<{ fired: string; su: string }>(
      'SELECT (SELECT last_value FROM public.pwn_fired) AS fired, (SELECT last_value FROM public.pwn_fired_as_superuser) AS su',
    );
    const s = await c.query<{ called: boolean; su_called: boolean }>(
      `SELECT (SELECT is_called FROM public.pwn_fired) AS called, (SELECT is_called FROM public.pwn_fired_as_superuser) AS su_called`,
    );
    return {
      fired: s.rows[0].called ? Number(r.rows[0].fired) : 0,
      asSuperuser: s.rows[0].su_called ? Number(r.rows[0].su) : 0,
    };
  });
}

async function expectNothingEscaped(where: string): Promise<void> {
  expect(existsSync(proofFile), `${where}: COPY … TO PROGRAM ran`).toBe(false);
  for (const server of await listServers(app.metabase)) {
    const roles = await app.tenants.withCluster(server.id, (admin) =>
      admin.query('SELECT rolname FROM pg_roles WHERE rolname = $1', [pwnedRole]),
    );
    expect(roles.rowCount, `${where}: a role was created`).toBe(0);
  }
}

beforeAll(async () => {
  app = await connectTestApp();
  infra = await AgentSession.login('infra');
}, 300_000);
afterAll(async () => {
  await rm(proofFile, { force: true });
  await app.close();
});

describe('customer SQL never runs with the platform’s power', () => {
  it('a planted dump, imported, then shown at every level and worked on by every tenant operation, runs with its own role’s rights only', async () => {
    const office = await AgentSession.login('saas-office');
    const upload = await uploadDump(office, name, await odooZip(await plantedDump()));
    expect(upload.status, JSON.stringify(upload.body)).toBe(202);
    expect((await waitForJob(office, upload.body.job!.id, 180_000)).state).toBe('completed');
    let db = (await findDatabase(app.metabase, name))!;
    await expectNothingEscaped('import');

    // The tenant's role owns the database and every object in it: the planted SECURITY DEFINER
    // function runs as that role.
    const owners = await app.tenants.withTenant(db, async (c) =>
      (
        await c.query<{ owner: string }>(
          // Extension members aside: a trusted extension's functions belong to the bootstrap superuser, by PostgreSQL's design.
          `SELECT DISTINCT pg_get_userbyid(p.proowner) AS owner FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
           UNION SELECT pg_get_userbyid(d.datdba) FROM pg_database d WHERE d.datname = current_database()`,
        )
      ).rows.map((r) => r.owner),
    );
    expect(owners).toEqual([tenantRoleName(name)]);

    // Every level opens the Tools page (each section reads the tenant).
    for (const agent of DEMO_AGENTS) {
      const session = agent.login === 'infra' ? infra : await AgentSession.login(agent.login);
      const page = await session.get(`/api/databases/${name}`);
      expect(page.status, `${agent.login}: ${JSON.stringify(page.body).slice(0, 300)}`).toBeLessThan(500);
    }
    await expectNothingEscaped('Tools page');

    const future = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const operations: [string, unknown][] = [
      ['ping', {}],
      ['reset-admin-rights', {}],
      ['impersonate', { user: 2, reason: 'attack test' }],
      ['stop-impersonation', {}],
      ['link-admin', { login: 'admin' }],
      ['unlink-admin', { login: 'admin' }],
      ['set-free', {}],
      ['set-trial', {}],
      ['extend-trial', { until: future }],
      ['set-security', { enabled: true }],
      ['add-domain', { domain: `www.${tag.replace(/_/g, '-')}.example.com` }],
      ['set-email-limit', { limit: 120 }],
      ['prepare-dump', {}],
      ['backup-now', {}],
      ['duplicate', {}],
      ['request-upgrade', { target: '18.0', mode: 'copy' }],
      ['lock', { reason: 'attack test' }],
    ];
    for (const [operation, input] of operations) {
      const res = await infra.runUntyped(name, operation, input);
      expect(res.status, `${operation}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
      const job = (res.body as { job?: { id: number } }).job;
      if (job) {
        const done = await waitForJob(infra, job.id, 240_000);
        expect(done.state, `${operation}: ${done.error}`).toBe('completed');
      }
      await expectNothingEscaped(operation);
    }

    // Restore a backup beside it, and move it to the other server (the lock released first).
    const unlocked = await infra.run(name, 'unlock', {});
    expect(unlocked.status).toBeLessThan(500);
    expect(unlocked.status, JSON.stringify(unlocked.body)).toBe(200);
    const backups = await app.metabase
      .selectFrom('backup')
      .select('id')
      .where('database_name', '=', name)
      .where('state', '=', 'ready')
      .execute();
    if (backups.length) {
      const restore = await infra.run(name, 'restore-backup', { backup: String(backups[0].id), target: `${name}-r` });
      expect(restore.status, JSON.stringify(restore.body)).toBeLessThan(500);
      const job = (restore.body as { job?: { id: number } }).job;
      if (job) expect((await waitForJob(infra, job.id, 240_000)).state).toBe('completed');
      await expectNothingEscaped('restore');
    }
    const move = await infra.run(name, 'move-database', { server: 'local2' });
    expect(move.status, JSON.stringify(move.body)).toBeLessThan(500);
    const moveJob = (move.body as { job?: { id: number } }).job;
    if (moveJob) expect((await waitForJob(infra, moveJob.id, 300_000)).state).toBe('completed');
    await expectNothingEscaped('move');

    // A new start (it checks every tenant's owner) changes nothing either.
    const again = await connectTestApp();
    await again.close();
    await expectNothingEscaped('restart');

    db = (await findDatabase(app.metabase, name))!;
    const fired = await counters(db);
    // The planted code did run (the test can fail), never as a superuser.
    expect(fired.fired).toBeGreaterThan(0);
    expect(fired.asSuperuser).toBe(0);

    // The tenant's role reaches no other database: not the metabase, not another tenant.
    const server = await app.tenants.server(db.server_id);
    const login = app.tenants.tenantLogin(name);
    for (const other of [METABASE_NAME, 'template1']) {
      const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: login.role, password: login.password, database: other });
      c.on('error', () => undefined);
      await expect(c.connect(), other).rejects.toThrow(/permission denied|does not exist|no pg_hba/);
    }
    // Except the maintenance database, where Odoo's bus NOTIFYs (letOdooBusConnect): it plants nothing there.
    const maintenance = new pg.Client({ host: '127.0.0.1', port: server.port, user: login.role, password: login.password, database: 'postgres' });
    maintenance.on('error', () => undefined);
    await maintenance.connect();
    try {
      await maintenance.query(`NOTIFY imbus, '[]'`);
      await expect(maintenance.query('CREATE TABLE public.planted (x int)')).rejects.toThrow(/permission denied/);
      await expect(maintenance.query('CREATE FUNCTION public.planted() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$')).rejects.toThrow(/permission denied/);
      await expect(maintenance.query('CREATE TEMP TABLE planted (x int)')).rejects.toThrow(/permission denied/);
    } finally {
      await maintenance.end();
    }
  }, 1_200_000);
});
