import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { access, chmod, chown, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { ConfigError } from '../config/config.js';

const run = promisify(execFile);

const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const SETPRIV = '/usr/bin/setpriv';
/** rsync's own restricted-rsync script (Debian's rsync package): the only command a transfer key may run. */
export const RRSYNC = '/usr/bin/rrsync';
/** Who runs the SSH server when the platform runs as root (scripts/system-packages.sh makes it). */
export const DEFAULT_SSH_USER = 'dbtools-upgrade';

/** A system user, as the SSH server and the transfers' files need it. */
export interface SshUser {
  name: string;
  uid: number;
  gid: number;
}

/** One request's transfer: its caller's key may run rsync in `dir` only, in one direction. */
export interface TransferGrant {
  key: string;
  dir: string;
  direction: 'upload' | 'download';
}

export interface RunningSshServer {
  host: string;
  port: number;
  user: SshUser;
  /** The `known_hosts` text a caller stores to check this server (Odoo's client writes it as given). */
  knownHosts: string;
  /** Replaces the authorized keys with one forced-command line per grant. */
  authorize(grants: TransferGrant[]): Promise<void>;
  stop(): Promise<void>;
}

/** The user the SSH server runs as: never root; the platform's own when it is not root. */
export function sshUserFor(wanted: string | undefined): SshUser {
  const uid = process.getuid?.() ?? 0;
  const lookup = (name: string): SshUser => {
    try {
      return {
        name,
        uid: Number(execFileSync('id', ['-u', name]).toString().trim()),
        gid: Number(execFileSync('id', ['-g', name]).toString().trim()),
      };
    } catch {
      throw new ConfigError(
        `The upgrade platform's SSH server runs as the system user ${name}, which does not exist (scripts/system-packages.sh test makes it, or set UPGRADE_PLATFORM_SSH_USER).`,
      );
    }
  };
  if (uid !== 0) {
    const self = execFileSync('id', ['-un']).toString().trim();
    if (wanted && wanted !== self) throw new ConfigError(`UPGRADE_PLATFORM_SSH_USER can only be the platform's own user (${self}) when it does not run as root.`);
    return { name: self, uid, gid: process.getgid?.() ?? uid };
  }
  const user = lookup(wanted ?? DEFAULT_SSH_USER);
  if (user.uid === 0) throw new ConfigError('UPGRADE_PLATFORM_SSH_USER must not be root: the transfers run as that user.');
  return user;
}

/** A path that goes into a forced command and the server's configuration, unquoted by a shell. */
function safePath(p: string): string {
  if (!/^[A-Za-z0-9._/~+-]+$/.test(p)) {
    throw new ConfigError(`The upgrade platform's data folder must be a plain path (letters, digits, . _ - / ~ +): ${p}`);
  }
  return p;
}

async function portOn(host: string, wanted: number): Promise<number> {
  if (wanted) return wanted;
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The pids below `pid` (its children, theirs...), read from /proc: sshd's connections are not in its process group. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, the last ')' ends it.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(ppid)) continue;
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/**
 * Debian's OpenSSH server, run by the platform for the rsync transfers: as an unprivileged user
 * (never root), on the assigned host only, with its own host key and configuration, and an
 * authorized-keys file the platform writes: one line per transfer under way, a forced `rrsync`
 * confined to that request's folder (write-only for an upload, read-only for a download) with
 * `restrict` (no pty, no forwarding of any kind, no ~/.ssh/rc). No password, no shell, no
 * subsystem: a key reaches its request's folder, nothing else.
 */
export async function startSshServer(opts: {
  dir: string;
  host: string;
  port: number;
  user: SshUser;
  log: Logger;
}): Promise<RunningSshServer> {
  const { user, log } = opts;
  for (const tool of [SSHD, SSH_KEYGEN, RRSYNC]) {
    await access(tool).catch(() => {
      throw new ConfigError(`The upgrade platform needs ${tool} for its transfers: apt-get install -y openssh-server rsync`);
    });
  }
  const dir = safePath(opts.dir);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  if (!(await access(hostKey).then(() => true, () => false))) {
    await rm(`${hostKey}.pub`, { force: true });
    await run(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'upgrade-platform', '-f', hostKey], { env: { PATH: '/usr/bin:/bin' } });
  }
  // sshd refuses a host key others can read; it reads it as the user it runs as.
  await chown(hostKey, user.uid, user.gid).catch(() => undefined);
  await chmod(hostKey, 0o600);
  const authorizedKeys = path.join(dir, 'authorized_keys');
  const writeKeys = async (text: string) => {
    const partial = `${authorizedKeys}.partial`;
    await writeFile(partial, text, { mode: 0o640 });
    await chown(partial, process.getuid?.() ?? 0, user.gid).catch(() => undefined);
    await chmod(partial, 0o640);
    await rename(partial, authorizedKeys);
  };
  await writeKeys('');

  const port = await portOn(opts.host, opts.port);
  const config = path.join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `ListenAddress ${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
      `HostKey ${hostKey}`,
      'PidFile none',
      `AuthorizedKeysFile ${authorizedKeys}`,
      'AuthorizedPrincipalsFile none',
      `AllowUsers ${user.name}`,
      'PermitRootLogin no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'HostbasedAuthentication no',
      'UsePAM no',
      // Every line of the keys file carries `restrict` too; these hold even for a line that would not.
      'DisableForwarding yes',
      'AllowTcpForwarding no',
      'AllowStreamLocalForwarding no',
      'AllowAgentForwarding no',
      'X11Forwarding no',
      'PermitTunnel no',
      'PermitTTY no',
      'PermitUserRC no',
      'PermitUserEnvironment no',
      // StrictModes checks every folder above the keys file for group or world write, and the
      // data folder may live under /tmp (1777). The platform writes that file itself, root's and 0640.
      'StrictModes no',
      'LoginGraceTime 30',
      'MaxAuthTries 3',
      'MaxSessions 1',
      'MaxStartups 10:30:60',
      'ClientAliveInterval 30',
      'ClientAliveCountMax 4',
      'PrintMotd no',
      'LogLevel INFO',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );

  // The server exits with the platform: a parent-death signal (setpriv) covers a killed platform.
  const child: ChildProcess = spawn(SETPRIV, ['--pdeathsig', 'KILL', SSHD, '-D', '-e', '-f', config], {
    env: { PATH: '/usr/bin:/bin' },
    cwd: '/',
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(process.getuid?.() === 0 ? { uid: user.uid, gid: user.gid } : {}),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let tail = '';
    const timer = setTimeout(() => reject(new Error(`sshd did not start: ${tail}`)), 15_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited before it listened (${signal ?? code}): ${tail.trim()}`));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      tail = (tail + line + '\n').slice(-2000);
      if (line.startsWith('Server listening on')) {
        clearTimeout(timer);
        resolve();
      } else {
        log.debug({ component: 'sshd' }, line);
      }
    });
  });

  const hostPublic = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  const hostName = port === 22 ? opts.host : `[${opts.host}]:${port}`;
  let writing = Promise.resolve();
  return {
    host: opts.host,
    port,
    user,
    knownHosts: `${hostName} ${hostPublic}\n`,
    authorize(grants) {
      const lines = grants.map((g) => {
        const mode = g.direction === 'upload' ? '-wo' : '-ro';
        return `restrict,command="${RRSYNC} ${mode} ${safePath(g.dir)}" ${g.key}\n`;
      });
      writing = writing.catch(() => undefined).then(() => writeKeys(lines.join('')));
      return writing;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        // Its connections first (each its own session), then the listener.
        for (const pid of await descendants(child.pid)) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // gone meanwhile
          }
        }
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}
