import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { App } from '../../src/app.js';
import { pgBinary } from '../../src/hosting/backup-pg.js';
import { sshUserFor } from '../../src/upgrade-platform/ssh-server.js';
import { getConfigParameter } from '../../src/tenant/config-parameters.js';
import { UPGRADE_API_KEY } from '../support/env.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

const run = promisify(execFile);

/**
 * Odoo's own upgrade client (the script upgrade.odoo.com serves at /upgrade), run against our
 * upgrade platform as a customer runs it against Odoo's: it dumps the database, creates the
 * request, uploads by rsync over SSH, processes, follows the log, downloads and restores the
 * result into a new database, merging the filestore. Pointed at us through its own settings
 * only: UPGRADE_SERVER_NAME (our base URL, our API key in its path), SSL_CERT_FILE (the CA of
 * the assigned host's certificate), --data-server-user (our SSH login).
 * The script is not ours to ship: the test reads it from DBTOOLS_UPGRADE_CLIENT_SCRIPT.
 */
const script = process.env.DBTOOLS_UPGRADE_CLIENT_SCRIPT;

let app: App & { close(): Promise<void> };
beforeAll(async () => {
  app = await connectTestApp();
});
afterAll(() => app?.close());

describe("Odoo's upgrade client against our upgrade platform", () => {
  if (!script) {
    it.skip('needs DBTOOLS_UPGRADE_CLIENT_SCRIPT: the path of Odoo\'s upgrade client (python <(curl -s https://upgrade.odoo.com/upgrade)); skipped without it', () => undefined);
    return;
  }

  it('completes a test upgrade of a 17.0 database to 18.0 and restores the result, its filestore merged', { timeout: 300_000 }, async () => {
    await access(script);
    const server = await embeddedServer(app);
    // A subscription code the platform accepts: Odoo's client reads it from the database.
    const tenant = await createTestTenant(app, { prefix: 'odooclient', metabase: { subcode: `M${randomBytes(6).toString('hex')}` } });
    const users = await app.tenants.withTenant(tenant, async (c) => Number((await c.query('SELECT count(*) FROM res_users')).rows[0].count));
    const contract = await app.tenants.withTenant(tenant, (c) => getConfigParameter(c, 'database.enterprise_code'));
    expect(contract).toMatch(/^M/);

    // The script's world: its own HOME (Odoo's filestore folder) and TMPDIR (its key, token and known_hosts files).
    const home = await mkdtemp(path.join(tmpdir(), 'odoo-client-'));
    const work = path.join(home, 'work');
    await mkdir(work);
    const originFilestore = path.join(home, '.local/share/Odoo/filestore', tenant.name);
    await mkdir(path.join(originFilestore, 'ab'), { recursive: true });
    await writeFile(path.join(originFilestore, 'ab', 'ab0123-origin'), 'a file of the customer');
    const keyFile = path.join(home, 'upgrade_key');
    await run('ssh-keygen', ['-q', '-t', 'rsa', '-N', '', '-f', keyFile]);

    const restored = `${tenant.name}_upgraded`.slice(0, 63);
    const pgBin = path.dirname(await pgBinary('psql'));
    const env: Record<string, string> = {
      PATH: `${pgBin}:/usr/bin:/bin`,
      HOME: home,
      TMPDIR: home,
      LC_ALL: 'C.UTF-8',
      PGHOST: server.host,
      PGPORT: String(server.port),
      PGUSER: server.superuser,
      ...(server.password ? { PGPASSWORD: server.password } : {}),
      UPGRADE_SERVER_NAME: `${inject('upgradeUrl')}/key/${encodeURIComponent(UPGRADE_API_KEY)}`,
      SSL_CERT_FILE: inject('upgradeCaFile'),
    };
    let output: string;
    try {
      const result = await run(
        '/usr/bin/python3',
        [script, 'test', '--dbname', tenant.name, '--target', '18.0', '--restore-name', restored,
          '--ssh-key', keyFile, '--data-server-user', sshUserFor(undefined).name, '--core-count', '2'],
        { cwd: work, env, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 },
      );
      output = result.stdout + result.stderr;
    } catch (e) {
      const said = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
      throw new Error(`Odoo's client failed: ${(e as Error).message}\n${said}`, { cause: e });
    }
    // The script reports its errors in its log and exits 0: what it did is checked, not its exit code.
    expect(output, output).not.toMatch(/ ERROR: /);
    expect(output).toContain('Assigned host\'s server uri');

    // The restored database is the upgraded one, with the customer's data.
    const client = new pg.Client({ host: server.host, port: server.port, user: server.superuser, password: server.password ?? undefined, database: restored });
    await client.connect();
    try {
      const base = await client.query<{ v: string }>(`SELECT latest_version AS v FROM public.ir_module_module WHERE name = 'base'`);
      expect(base.rows[0].v).toMatch(/^18\.0\./);
      const to = await client.query<{ value: string }>(`SELECT value FROM public.ir_config_parameter WHERE key = 'database.upgrade.to_version'`);
      expect(to.rows[0].value).toBe('18.0');
      expect(Number((await client.query('SELECT count(*) FROM public.res_users')).rows[0].count)).toBe(users);
      const assets = await client.query<{ store_fname: string }>(`SELECT store_fname FROM public.ir_attachment WHERE url LIKE '/web/assets/%'`);
      expect(assets.rows.length).toBeGreaterThan(0);
      // The filestore: the customer's files and the platform's additions, merged under the restored name.
      const merged = path.join(home, '.local/share/Odoo/filestore', restored);
      expect(await readFile(path.join(merged, 'ab', 'ab0123-origin'), 'utf8')).toBe('a file of the customer');
      for (const a of assets.rows) await access(path.join(merged, a.store_fname));
    } finally {
      await client.end();
      await app.tenants.withCluster(server.id, (admin) => admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(restored)} WITH (FORCE)`));
    }
    // What the download brought beside the dump.
    expect(await readdir(work)).toEqual(expect.arrayContaining(['upgrade.log', 'upgrade-report.html']));
    expect(await readFile(path.join(work, 'upgrade.log'), 'utf8')).toContain('Module base: migrated 17.0');
    await rm(home, { recursive: true, force: true });
  });
});
