import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ChildProcessFailed, runChild } from '../hosting/child-process.js';

/** Where a transfer goes: the platform's SSH server, checked against the known_hosts it gave, with the request's key. */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** The private key whose public half was given at `create`. */
  keyFile: string;
  /** A file holding the `known_hosts` text `transfer/start` answered. */
  knownHostsFile: string;
}

/** Writes the known_hosts text the platform answered next to the key, for StrictHostKeyChecking. */
export async function storeKnownHosts(dir: string, knownHosts: string): Promise<string> {
  const file = path.join(dir, 'known_hosts');
  await writeFile(file, knownHosts, { mode: 0o600 });
  return file;
}

/**
 * The ssh command rsync runs: this key only, this host key only (no prompt, no agent, no user
 * configuration: `-F /dev/null`), nothing forwarded.
 */
function sshCommand(t: SshTarget): string {
  for (const p of [t.keyFile, t.knownHostsFile]) {
    if (!/^[A-Za-z0-9._/~+-]+$/.test(p)) throw new Error(`An SSH file path rsync can pass on unquoted is needed, got ${p}`);
  }
  return [
    'ssh', '-F', '/dev/null', '-p', String(t.port), '-i', t.keyFile,
    '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${t.knownHostsFile}`,
    '-o', 'ClearAllForwardings=yes', '-o', 'ConnectTimeout=20', '-o', 'ServerAliveInterval=30',
  ].join(' ');
}

function remote(t: SshTarget, remotePath: string): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${t.user}@${host}:${remotePath}`;
}

/**
 * rsync over SSH, spawned without a shell and with a clean environment (no secret of ours
 * reaches it or ssh). Resolves when it exits 0; its stderr's end is the error otherwise.
 */
function rsync(args: string[]): Promise<void> {
  // The system's programs only: no folder of PATH picks which ssh carries the transfer.
  return runChild('rsync', args, { env: { PATH: '/usr/bin:/bin' }, failure: RsyncFailed });
}

/** rsync's last lines, without the remote shell's noise about a home it does not have. */
export class RsyncFailed extends ChildProcessFailed {
  constructor(command: string, code: number | null, signal: NodeJS.Signals | null, stderr: string) {
    super(command, code, signal, stderr);
    this.message = `rsync failed (${signal ?? `exit ${code}`}): ${stderr.split('\n').filter((l) => !l.startsWith('Could not chdir to home')).slice(-3).join(' ')}`;
  }
}

/**
 * Sends a local folder's files (a directory-format dump) as `remotePath` (`/data/origin.dump`),
 * as Odoo's client does: archive mode, the remote copy made equal to ours (a resumed upload
 * sends only what differs).
 */
export function uploadFolder(t: SshTarget, localDir: string, remotePath: string): Promise<void> {
  return rsync(['--archive', '--delete-after', '--partial', '-e', sshCommand(t), `${localDir.replace(/\/+$/, '')}/`, remote(t, remotePath)]);
}

/** Fetches remote paths (`/data/upgraded.dump`, `/data/filestore`...) into `localDir`; missing ones are skipped. */
export function downloadInto(t: SshTarget, remotePaths: string[], localDir: string): Promise<void> {
  return rsync(['--archive', '--ignore-missing-args', '--partial', '-e', sshCommand(t), ...remotePaths.map((p) => remote(t, p)), `${localDir.replace(/\/+$/, '')}/`]);
}

/** Runs any rsync with the transfer's ssh (the hardening tests try what a hostile caller would). */
export function rsyncWith(t: SshTarget, args: (remoteOf: (p: string) => string) => string[]): Promise<void> {
  return rsync(['-e', sshCommand(t), ...args((p) => remote(t, p))]);
}

/**
 * The ssh command line of a transfer without our own refusal of forwardings, as a hostile
 * caller would have it (the hardening tests try a shell or a forwarding with the key).
 */
export function sshArgs(t: SshTarget): string[] {
  const args = sshCommand(t).split(' ').slice(1);
  const at = args.indexOf('ClearAllForwardings=yes');
  if (at > 0) args.splice(at - 1, 2);
  return [...args, `${t.user}@${t.host}`];
}

/**
 * The request's own key pair under `dir` (ed25519, no passphrase, private to us): made once,
 * before `create`, and kept with the request's work, so a resumed attempt after a kill
 * transfers with the key the platform knows. Answers the private key's path and the public text.
 */
export async function requestKeyPair(dir: string): Promise<{ keyFile: string; publicKey: string }> {
  const keyFile = path.join(dir, 'id_ed25519');
  const publicKey = await readFile(`${keyFile}.pub`, 'utf8').catch(() => undefined);
  if (publicKey && (await access(keyFile).then(() => true, () => false))) return { keyFile, publicKey };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await rm(`${keyFile}.partial`, { force: true });
  await rm(`${keyFile}.partial.pub`, { force: true });
  await runChild('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dbtools-upgrade', '-f', `${keyFile}.partial`], {
    env: { PATH: '/usr/bin:/bin' },
  });
  // The public half last: its presence says the pair is whole.
  await rename(`${keyFile}.partial`, keyFile);
  await rename(`${keyFile}.partial.pub`, `${keyFile}.pub`);
  return { keyFile, publicKey: await readFile(`${keyFile}.pub`, 'utf8') };
}
