import { execFile, spawn } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Conflict } from '../errors.js';
import { childEnv } from '../hosting/child-process.js';
import { clusterOwner } from '../hosting/cluster.js';
import { withParentDeathSignal } from '../hosting/parent-death.js';
import type { FrontEndPaths } from './paths.js';

const run = promisify(execFile);

/** Debian's nginx. */
export const NGINX_BIN = '/usr/sbin/nginx';
export const NGINX_INSTALL_HINT = 'apt-get install nginx-light (or run scripts/system-packages.sh as root)';

/** The front end cannot take a change (nginx -t refused it, or nginx is missing): a 409 saying why. */
export class NginxConfigError extends Conflict {}
export class NginxMissing extends NginxConfigError {
  constructor() {
    super(`nginx is not installed (${NGINX_BIN}): ${NGINX_INSTALL_HINT}`);
  }
}

/**
 * The hosting server has no front end of ours yet (no address and ports assigned): its sites are
 * written when its front end starts. Never a guess at nginx's default ports, which a non-root
 * nginx cannot bind.
 */
export class FrontEndNotRun extends NginxConfigError {
  constructor(server: string) {
    super(`the hosting server "${server}" has no front end running here: its sites are written when it starts`);
  }
}

export async function nginxInstalled(): Promise<boolean> {
  return access(NGINX_BIN).then(
    () => true,
    () => false,
  );
}

let user: { uid: number; gid: number } | undefined | null = null;

/**
 * Who nginx runs as: never root. As root we hand it to the `postgres` OS user (the one that
 * already runs the platform's clusters); otherwise it runs as us.
 */
export function nginxUser(): { uid: number; gid: number } | undefined {
  // Asked on every change (folders, keys, nginx -t): look the user up once per process.
  if (user === null) {
    const owner = clusterOwner();
    user = owner && { uid: owner.uid, gid: owner.gid };
  }
  return user;
}

function nginxArgs(paths: FrontEndPaths, conf: string): string[] {
  // -e before the configuration is read: the compiled-in error log is not ours to write.
  return ['-e', paths.errorLog, '-p', paths.dir + '/', '-c', conf];
}

/** `nginx -t` on `conf`, as the user nginx runs as (so unreadable key files are caught too). */
export async function checkConf(paths: FrontEndPaths, conf: string): Promise<void> {
  if (!(await nginxInstalled())) throw new NginxMissing();
  await run(NGINX_BIN, ['-t', '-q', ...nginxArgs(paths, conf)], { timeout: 15_000, ...nginxUser() }).catch(
    (e: { stderr?: string; message: string }) => {
      throw new NginxConfigError(`nginx -t refused the configuration: ${(e.stderr || e.message).trim()}`);
    },
  );
}

/** The pid of the server's running nginx master (from its pid file), or null when none runs. */
export async function masterPid(paths: FrontEndPaths): Promise<number | null> {
  const pid = Number((await readFile(paths.pid, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  // A stale pid file may name a recycled pid: only an nginx master counts.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.startsWith('nginx: master process') ? pid : null;
}

/** The worker processes of a master (children found through /proc). */
export async function workerPids(master: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === master) pids.push(Number(entry));
  }
  return pids;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`nginx: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Reloads a running master (SIGHUP) and resolves once the workers that served the old
 * configuration are gone, so the next connection is served by the new one.
 */
export async function reloadNginx(master: number): Promise<void> {
  const before = new Set(await workerPids(master));
  process.kill(master, 'SIGHUP');
  await waitFor('the reload', async () => {
    const now = await workerPids(master);
    return now.length > 0 && now.every((p) => !before.has(p));
  });
}

/**
 * Starts the master in the foreground (a child of ours, so its exit is seen) as the nginx user,
 * and resolves once its workers run. The pid file lets any process of the platform reload it.
 */
export async function startNginx(paths: FrontEndPaths): Promise<number> {
  const args = [...nginxArgs(paths, paths.conf), '-g', 'daemon off;'];
  const { command, args: argv } = await withParentDeathSignal('QUIT', NGINX_BIN, args);
  // Its own spawn, not hosting/child-process.ts's runChild: the master runs until stopped; its
  // environment is still the runner's base (none of the platform's secrets).
  const child = spawn(command, argv, { env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'], ...nginxUser() });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  await waitFor('its workers', async () => {
    if (exited) {
      // With -e, nginx says why in its error log rather than on stderr (a port taken, a file unreadable).
      const log = (await readFile(paths.errorLog, 'utf8').catch(() => '')).trim().split('\n');
      const emerg = log
        .filter((l) => l.includes('[emerg]'))
        .slice(-2)
        .join('; ');
      throw new Error(`nginx did not start: ${emerg || stderr.trim() || `exit ${child.exitCode}`}`);
    }
    const master = await masterPid(paths);
    return master === child.pid && (await workerPids(master)).length > 0;
  });
  return child.pid!;
}

const isNginxMaster = async (pid: number) =>
  (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).startsWith('nginx: master');

/** A forced stop: SIGTERM is nginx's fast shutdown (connections in flight are cut). */
export async function killNginx(master: number): Promise<void> {
  if (!(await isNginxMaster(master))) return;
  try {
    process.kill(master, 'SIGTERM');
  } catch {
    return;
  }
  await waitFor('the master to exit', async () => !(await isNginxMaster(master)));
}

/** Stops a master gracefully (SIGQUIT: requests in flight finish) and waits until it is gone. */
export async function stopNginx(master: number): Promise<void> {
  const isMaster = () => isNginxMaster(master);
  // Gone already (stopped by another holder), its pid maybe reused: never signal anything else.
  if (!(await isMaster())) return;
  try {
    process.kill(master, 'SIGQUIT');
  } catch {
    return;
  }
  await waitFor('the master to exit', async () => !(await isMaster()));
}
