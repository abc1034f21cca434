import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import { runChild } from './child-process.js';
import { pathExists } from './path-exists.js';

/** A PostgreSQL cluster this process started and owns (the embedded default, or a test cluster). */
export interface EmbeddedCluster {
  dataDir: string;
  socketDir: string;
  port: number;
  superuser: string;
  password: string;
  pgBin: string;
  /** False when the cluster was already running (another process of ours started it). */
  startedHere: boolean;
  /**
   * Starts the cluster again when it is not running (it crashed, or someone stopped it) and
   * answers whether it had to. Does nothing once `stop` was called.
   */
  ensureRunning(): Promise<boolean>;
  stop(): Promise<void>;
  /**
   * PostgreSQL's immediate shutdown (crash recovery at the next start): what a forced stop
   * does when the fast one is taking too long.
   */
  stopNow(): Promise<void>;
}

export interface ClusterOptions {
  /** Folder holding the cluster; created when missing. */
  dir: string;
  pgBin?: string;
  port?: number;
  /** Tests trade durability for speed; a real platform never does. */
  durable?: boolean;
  /** A port another cluster of ours was given: a remembered one equal to it is given up for a free one. */
  avoidPort?: number;
}

/** Finds the newest PostgreSQL server binaries on this machine. */
export async function findPgBin(explicit?: string): Promise<string> {
  if (explicit) return explicit;
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root).catch(() => [] as string[]))
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (await pathExists(path.join(bin, 'initdb'))) return bin;
  }
  throw new Error('No PostgreSQL server binaries found under /usr/lib/postgresql; set DBTOOLS_PG_BIN');
}

/** PostgreSQL refuses to run as root: when we are root, the cluster runs as the `postgres` OS user. */
export function clusterOwner(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid, name: 'postgres' };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Who may log in how: the superuser without a password on the cluster's own socket (the
 * platform's cluster work), every other role (tenants, loaders) only with its password, on the
 * socket or on loopback. Rewritten at every start, so an older cluster (which trusted every role
 * on the socket) gets the same rules.
 */
function hbaRules(superuser: string): string {
  const su = JSON.stringify(superuser);
  return [
    '# Written by dbtools at every start (src/hosting/cluster.ts): edits are replaced.',
    `local all ${su} trust`,
    'local all all scram-sha-256',
    'host all all 127.0.0.1/32 scram-sha-256',
    'host all all ::1/128 scram-sha-256',
    '',
  ].join('\n');
}

/**
 * Creates the cluster on first use (initdb), then starts it listening on 127.0.0.1 and on a
 * unix socket inside its folder. The port and the TCP password are remembered in the folder,
 * so a second start reuses them.
 */
export async function startCluster(opts: ClusterOptions): Promise<EmbeddedCluster> {
  const pgBin = await findPgBin(opts.pgBin);
  const owner = clusterOwner();
  const dataDir = path.join(opts.dir, 'data');
  const socketDir = path.join(opts.dir, 'socket');
  const statePath = path.join(opts.dir, 'cluster.json');
  await mkdir(opts.dir, { recursive: true });
  await mkdir(socketDir, { recursive: true });
  if (owner) {
    // The postgres user must reach its folders; the parents it only traverses.
    await chmod(opts.dir, 0o755);
    await chown(opts.dir, owner.uid, owner.gid);
    await chown(socketDir, owner.uid, owner.gid);
  }
  const superuser = owner?.name ?? userInfo().username;
  const saved = await readFile(statePath, 'utf8')
    .then((t) => JSON.parse(t) as { port: number; password: string })
    .catch(() => undefined);
  const password = saved?.password ?? randomBytes(18).toString('base64url');
  const remembered = saved?.port !== undefined && saved.port !== opts.avoidPort ? saved.port : undefined;
  const port = opts.port ?? remembered ?? (await freePort());
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};

  if (!(await pathExists(path.join(dataDir, 'PG_VERSION')))) {
    const pwFile = path.join(opts.dir, '.pwfile');
    await writeFile(pwFile, password + '\n', { mode: 0o600 });
    if (owner) await chown(pwFile, owner.uid, owner.gid);
    await runChild(
      path.join(pgBin, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        superuser,
        '-E',
        'UTF8',
        '--locale=C',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        `--pwfile=${pwFile}`,
      ],
      asOwner,
    );
    await writeFile(pwFile, '');
  }
  await writeFile(statePath, JSON.stringify({ port, password }), { mode: 0o600 });
  const hba = path.join(dataDir, 'pg_hba.conf');
  const hbaChanged = (await readFile(hba, 'utf8').catch(() => '')) !== hbaRules(superuser);
  if (hbaChanged) await writeFile(hba, hbaRules(superuser));

  const logFile = path.join(opts.dir, 'postgres.log');
  if (owner) await writeFile(logFile, '', { flag: 'a' }).then(() => chown(logFile, owner.uid, owner.gid));
  // A cluster left running by a killed process is still ours: pg_ctl status tells.
  // pg_ctl's answer, not a status check killed on its way (the terminal's Ctrl-C reaches our
  // process group): that must not make the watchdog start a second postmaster.
  const isRunning = () =>
    runChild(path.join(pgBin, 'pg_ctl'), ['status', '-D', dataDir], asOwner).then(
      () => true,
      (err: { signal?: unknown }) => Boolean(err.signal),
    );
  // The postmaster inherits pg_ctl's environment: the base one, none of the platform's secrets.
  const startServer = () =>
    runChild(
      path.join(pgBin, 'pg_ctl'),
      [
        'start',
        '-w',
        '-t',
        '60',
        '-D',
        dataDir,
        '-l',
        logFile,
        '-o',
        `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories='${socketDir}' -c max_connections=200${opts.durable === false ? ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off' : ''}`,
      ],
      asOwner,
    );
  const status = await isRunning();
  if (!status) await startServer();
  else if (hbaChanged) await runChild(path.join(pgBin, 'pg_ctl'), ['reload', '-D', dataDir], asOwner);
  let stopped = false;
  let starting: Promise<boolean> | undefined;
  return {
    dataDir,
    socketDir,
    port,
    superuser,
    password,
    pgBin,
    startedHere: !status,
    ensureRunning() {
      starting ??= (async () => {
        if (stopped || (await isRunning())) return false;
        await startServer();
        return true;
      })().finally(() => (starting = undefined));
      return starting;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await starting?.catch(() => undefined);
      await runChild(path.join(pgBin, 'pg_ctl'), ['stop', '-w', '-m', 'fast', '-D', dataDir], asOwner).catch(
        () => undefined,
      );
    },
    async stopNow() {
      stopped = true;
      await stopClusterAt(opts.dir, 'immediate', pgBin);
    },
  };
}

/**
 * Stops the cluster kept in `dir` (as startCluster lays it out) if it runs, without starting
 * anything: for a cluster another process started (the upgrade platform's) that must not
 * outlive a forced stop.
 */
export async function stopClusterAt(dir: string, mode: 'fast' | 'immediate', pgBin?: string): Promise<void> {
  const dataDir = path.join(dir, 'data');
  if (!(await pathExists(path.join(dataDir, 'postmaster.pid')))) return;
  const owner = clusterOwner();
  await runChild(path.join(await findPgBin(pgBin), 'pg_ctl'), ['stop', '-w', '-m', mode, '-D', dataDir], owner ? { uid: owner.uid, gid: owner.gid } : {}).catch(
    () => undefined,
  );
}
