import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../app.js';
import { findDatabase } from '../metabase/repositories/databases.js';
import { frontEndOf, withFrontEndLock } from '../metabase/repositories/front-ends.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { listenOf, ODOO_DEFAULT_BACKEND, renderFrontEndConf, withSites } from './nginx-conf.js';
import { checkConf, FrontEndNotRun, masterPid, NginxMissing, nginxUser, reloadNginx } from './nginx.js';
import { frontEndPaths, siteFile, type FrontEndPaths } from './paths.js';
import { renderServerBlock, type TlsDomain } from './server-block.js';
import { activeTlsDomains } from './tls-domains.js';
import { odooUpstreamOf, syncOdooAccess } from '../odoo/serving.js';

/** What a database's site serves. */
export interface Site {
  /** The database's `secure` flag: HSTS and the Secure, SameSite=Lax session cookie. */
  secure: boolean;
  /** Custom domains with an active certificate: one TLS server block each. */
  tlsDomains?: TlsDomain[];
  /** The upstream of the Odoo workers of its series (odooUpstreamOf); none: the placeholder's. */
  odooUpstream?: string | null;
}

/** One change to a server's sites: a database's new site, or `null` to take it away. */
export interface SiteChange {
  database: string;
  site: Site | null;
}

/**
 * The front end's folders, owned by the nginx user where nginx writes (pid, logs, temp) and
 * readable by it where it only reads (sites, webroot), whatever our umask.
 */
async function prepareFolders(paths: FrontEndPaths): Promise<void> {
  const user = nginxUser();
  for (const dir of [paths.dir, paths.temp]) {
    await mkdir(dir, { recursive: true });
    if (user) await chown(dir, user.uid, user.gid);
  }
  for (const dir of [paths.sitesDir, paths.webroot]) {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
  }
}

/**
 * Writes the server's nginx.conf: with `backend` (where its Odoo workers listen) when we start
 * its front end; otherwise only when missing (a front end another process of ours started),
 * with Odoo's default port, so `nginx -t` has a configuration to check sites against. A server
 * with no front end assigned has nothing to write (FrontEndNotRun).
 */
export async function writeFrontEndConf(
  server: HostingServerRow,
  backend?: string,
  odooUpstreams?: { name: string; address: string }[],
): Promise<FrontEndPaths> {
  const frontEnd = frontEndOf(server);
  if (!frontEnd) throw new FrontEndNotRun(server.name);
  const paths = frontEndPaths(server);
  await prepareFolders(paths);
  const exists = await readFile(paths.conf, 'utf8').then(
    () => true,
    () => false,
  );
  if (backend || !exists) {
    const conf = renderFrontEndConf({
      serverName: server.name,
      paths,
      frontEnd,
      backend: backend ?? ODOO_DEFAULT_BACKEND,
      odooUpstreams,
    });
    const pending = `${paths.conf}.${randomBytes(6).toString('hex')}.pending`;
    await writeFile(pending, conf);
    await chmod(pending, 0o644);
    await rename(pending, paths.conf);
  }
  return paths;
}

/** Key files are read by nginx, which never runs as root: 0600 and owned by its user. */
async function handKeysToNginx(tlsDomains: TlsDomain[]): Promise<void> {
  const user = nginxUser();
  for (const { keyFile } of tlsDomains) {
    await chmod(keyFile, 0o600);
    if (user) await chown(keyFile, user.uid, user.gid);
  }
}

/**
 * Applies changes to a server's sites as one step: each new file is written aside, the whole
 * configuration with them in place is checked with `nginx -t` (as nginx's user), then they are
 * renamed over the old ones (removed ones deleted) and a running nginx reloaded. When the
 * check fails nothing changed: the error says why and the previous configuration keeps
 * serving. One writer per server at a time, across processes.
 */
export async function writeSites(app: App, server: HostingServerRow, given: SiteChange[]): Promise<void> {
  // A caller that only changes the security features or the certificates (set-security, a
  // certificate issued or removed) leaves the upstream to the database's series, read here.
  const changes: SiteChange[] = [];
  for (const c of given) {
    if (!c.site || c.site.odooUpstream !== undefined) {
      changes.push(c);
      continue;
    }
    const row = await findDatabase(app.metabase, c.database);
    changes.push({ ...c, site: { ...c.site, odooUpstream: row ? await odooUpstreamOf(app, server, row.version) : null } });
  }
  await withFrontEndLock(app.metabase, server.id, async () => {
    const frontEnd = frontEndOf(server);
    if (!frontEnd) throw new FrontEndNotRun(server.name);
    const paths = await writeFrontEndConf(server);
    const listen = listenOf(frontEnd);
    const tag = randomBytes(6).toString('hex');
    const staged: { file: string; pending: string | null }[] = [];
    const check = path.join(paths.dir, `nginx.check-${tag}.conf`);
    try {
      for (const { database, site } of changes) {
        const file = siteFile(server, database);
        if (!site) {
          staged.push({ file, pending: null });
          continue;
        }
        const text = renderServerBlock({
          database,
          secure: site.secure,
          listen: listen.http,
          httpsListen: listen.https,
          zone: app.config.platformZone,
          webroot: paths.webroot,
          tlsDomains: site.tlsDomains,
          upstream: site.odooUpstream ?? undefined,
          odooRouting: !!site.odooUpstream,
        });
        await handKeysToNginx(site.tlsDomains ?? []);
        const pending = `${file}.${tag}.pending`;
        staged.push({ file, pending });
        await writeFile(pending, text);
        await chmod(pending, 0o644);
      }
      const replaced = new Set(staged.map((s) => s.file));
      const kept = (await readdir(paths.sitesDir))
        .filter((f) => f.endsWith('.conf'))
        .map((f) => path.join(paths.sitesDir, f))
        .filter((f) => !replaced.has(f));
      const pendings = staged.flatMap((s) => (s.pending ? [s.pending] : []));
      await writeFile(check, withSites(await readFile(paths.conf, 'utf8'), [...kept, ...pendings].sort()));
      await chmod(check, 0o644);
      await checkConf(paths, check);
      for (const s of staged) {
        if (s.pending) await rename(s.pending, s.file);
        else await rm(s.file, { force: true });
      }
    } finally {
      await rm(check, { force: true });
      for (const s of staged) if (s.pending) await rm(s.pending, { force: true });
    }
    const master = await masterPid(paths);
    if (master) await reloadNginx(master);
  });
}

/** Writes one database's site (see writeSites) and answers its file. */
export async function writeSite(
  app: App,
  server: HostingServerRow,
  database: string,
  site: Site,
): Promise<string> {
  await writeSites(app, server, [{ database, site }]);
  return siteFile(server, database);
}

/** Takes a database's site away (file and nginx); nothing to do when it has none. */
export async function removeSite(app: App, server: HostingServerRow, database: string): Promise<void> {
  await writeSites(app, server, [{ database, site: null }]);
}

/**
 * Re-renders a database's site from the metabase: its `secure` flag and its custom domains
 * with an active certificate. A database that is gone (or removed) loses its site.
 */
export async function applySite(app: App, database: string): Promise<void> {
  const row = await findDatabase(app.metabase, database);
  if (!row) return;
  const server = await app.tenants.server(row.server_id);
  if (row.state === 'removed') return removeSite(app, server, database);
  await writeSite(app, server, database, {
    secure: row.secure,
    tlsDomains: await activeTlsDomains(app, database),
    odooUpstream: await odooUpstreamOf(app, server, row.version),
  });
}

/**
 * applySite for the lifecycle (a database published, restored, removed): the metabase is the
 * truth and every start of a front end re-syncs all its sites, so a front end that cannot take
 * the change now (nginx not installed, a check refused) is logged rather than failing the job.
 */
export async function refreshSite(app: App, database: string, formerServer?: HostingServerRow): Promise<void> {
  try {
    // A database that moved leaves its former server's front end before the new one serves it.
    if (formerServer) await removeSite(app, formerServer, database);
    await applySite(app, database);
    // The Odoo workers' role serves what the site serves (see src/odoo/worker-role.ts).
    await syncOdooAccess(app, database, { formerServer });
  } catch (err) {
    const level = err instanceof NginxMissing || err instanceof FrontEndNotRun ? 'debug' : 'warn';
    app.log[level](
      { err: (err as Error).message, database },
      'the front end was not updated for this database',
    );
  }
}
