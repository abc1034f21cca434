import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startPlatform } from '../../src/platform.js';
import { testEnv } from '../support/env.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';
import type { App } from '../../src/app.js';
import { demoDatabases } from '../../src/demo/catalog.js';
import { tenantRoleName } from '../../src/hosting/tenant-role.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { listServers } from '../../src/metabase/repositories/servers.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';

let app: App & { close(): Promise<void> };
beforeAll(async () => {
  app = await connectTestApp();
});
afterAll(() => app.close());

const demoNames = demoDatabases(new Date()).map((d) => d.metabase.name);

describe('the platform reaches a tenant only as the tenant’s own role', () => {
  it('every pooled tenant connection is its tenant’s role, not a superuser, with pg_catalog first on its search_path', async () => {
    for (const name of demoNames.slice(0, 12)) {
      const db = (await findDatabase(app.metabase, name))!;
      const session = await app.tenants.withTenant(db, async (c) => {
        // current_schemas(true): the schemas a name is looked up in, in order, the implicit ones included.
        const r = await c.query<{ su: string; who: string; path: string }>(
          `SELECT current_setting('is_superuser') AS su, current_user AS who, array_to_string(current_schemas(true), ',') AS path`,
        );
        return r.rows[0];
      });
      expect(session).toEqual({ su: 'off', who: tenantRoleName(name), path: 'pg_catalog,public' });
    }
  });

  it('after every level opens Tools pages in the server process, no session on a tenant database is a superuser’s', async () => {
    const infra = await AgentSession.login('infra');
    const helpdesk = await AgentSession.login('helpdesk');
    for (const name of demoNames.slice(0, 12)) {
      expect((await infra.call('GET /api/databases/:name', { params: { name: name } })).status).toBe(200);
      expect((await helpdesk.call('GET /api/databases/:name', { params: { name: name } })).status).toBe(200);
    }
    // The pooled connections stay open (idle) for 30 s: look at them on every cluster.
    for (const server of await listServers(app.metabase)) {
      const sessions = await app.tenants.withCluster(server.id, (admin) =>
        admin.query<{ datname: string; usename: string; superuser: boolean }>(
          `SELECT a.datname, a.usename, r.rolsuper AS superuser FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename
            WHERE a.datname = ANY($1) AND a.backend_type = 'client backend'`,
          [demoNames],
        ),
      );
      expect(sessions.rows.filter((s) => s.superuser)).toEqual([]);
      for (const s of sessions.rows) expect(s.usename).toBe(tenantRoleName(s.datname));
    }
  });

  it('a tenant role is no superuser, cannot create roles or databases, and is a member of nothing', async () => {
    const server = (await listServers(app.metabase))[0];
    const roles = await app.tenants.withCluster(server.id, (admin) =>
      admin.query<{ rolname: string; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; member_of: number }>(
        `SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb,
                (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid)::int AS member_of
           FROM pg_roles r WHERE r.rolname = ANY($1)`,
        [demoNames.map(tenantRoleName)],
      ),
    );
    expect(roles.rows.length).toBeGreaterThan(0);
    for (const r of roles.rows) expect(r).toMatchObject({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, member_of: 0 });
  });
});

describe('a start gives every tenant its own role', () => {
  it('a tenant still owned by the superuser (as tenants were made before) gets its role and every object, and the start logs it', async () => {
    const db = await createTestTenant(app, { prefix: 'legacy' });
    const server = await embeddedServer(app);
    const role = tenantRoleName(db.name);
    // The old layout, made by hand: the superuser owns the database and everything in it,
    // including a SECURITY DEFINER function a customer had planted.
    const su = new pg.Client({ ...app.tenants.clusterConfig(server), database: db.name });
    await su.connect();
    try {
      await su.query(`CREATE FUNCTION public.legacy_definer() RETURNS text LANGUAGE sql SECURITY DEFINER AS 'SELECT current_user::text'`);
      await su.query(`REASSIGN OWNED BY ${pg.escapeIdentifier(role)} TO CURRENT_USER`);
    } finally {
      await su.end();
    }
    app.tenants.forget(db);
    // Its CONNECT on the maintenance database (for Odoo's bus) goes with it.
    await app.tenants.withCluster(server.id, async (admin) => {
      await admin.query(`REVOKE ALL ON DATABASE postgres FROM ${pg.escapeIdentifier(role)}`);
      await admin.query(`DROP ROLE ${pg.escapeIdentifier(role)}`);
    });

    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const platform = await startPlatform(loadConfig(testEnv(inject('dataDir'))), { durable: false, log: pino({ level: 'info' }, sink) });
    try {
      const owners = await platform.app.tenants.withTenant(db, async (c) => {
        const r = await c.query<{ owner: string; definer: string }>(
          `SELECT (SELECT string_agg(DISTINCT pg_get_userbyid(c.relowner), ',') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public') AS owner,
                  public.legacy_definer() AS definer`,
        );
        return r.rows[0];
      });
      expect(owners).toEqual({ owner: role, definer: role });
    } finally {
      platform.app.tenants.close();
      await platform.app.metabase.destroy();
    }
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; database?: string }).filter((l) => l.database === db.name);
    expect(logged.map((l) => l.msg)).toContain('tenant database was owned by the superuser: given to its own role');
  });
});
