import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import type { HostingServerRow } from '../metabase/schema.js';

/**
 * Where a hosting server's ACME material lives, under our data dir: the account key and, per
 * domain, the certificate chain and its key. Folders are 0711 (nginx, another user, must reach
 * the files it serves but never list them); keys are 0600.
 */
export function acmeDir(config: Pick<Config, 'dataDir'>, server: Pick<HostingServerRow, 'name'>): string {
  return path.join(config.dataDir, 'acme', server.name);
}

export function accountKeyFile(
  config: Pick<Config, 'dataDir'>,
  server: Pick<HostingServerRow, 'name'>,
): string {
  return path.join(acmeDir(config, server), 'account.key');
}

/** The account's URL at one CA (a directory URL): a new CA means a new account for the same key. */
export function accountUrlFile(
  config: Pick<Config, 'dataDir'>,
  server: Pick<HostingServerRow, 'name'>,
  directoryUrl: string,
): string {
  const tag = createHash('sha256').update(directoryUrl).digest('hex').slice(0, 16);
  return path.join(acmeDir(config, server), `account-${tag}.url`);
}

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
  /** Written during issuance, renamed over the served ones only once the whole chain is in. */
  pendingCertFile: string;
  pendingKeyFile: string;
}

export function certificateFiles(
  config: Pick<Config, 'dataDir'>,
  server: Pick<HostingServerRow, 'name'>,
  domain: string,
): CertificateFiles {
  const dir = path.join(acmeDir(config, server), 'certs');
  return {
    certFile: path.join(dir, `${domain}.crt`),
    keyFile: path.join(dir, `${domain}.key`),
    pendingCertFile: path.join(dir, `${domain}.crt.pending`),
    pendingKeyFile: path.join(dir, `${domain}.key.pending`),
  };
}

async function ensureFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o711 });
  await chmod(dir, 0o711);
}

/**
 * Writes a file with its mode from its creation (a secret, 0600 by default, is never briefly
 * readable by others), fsynced and renamed into place, so a crash leaves the old file or the
 * whole new one.
 */
export async function writeSecretFile(file: string, content: string | Buffer, mode = 0o600): Promise<void> {
  await ensureFolder(path.dirname(file));
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

export function readIfExists(file: string): Promise<Buffer | undefined> {
  return readFile(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}

/** Takes a domain's certificate and key away (served and pending ones). */
export async function removeCertificateFiles(files: CertificateFiles): Promise<void> {
  for (const f of [files.certFile, files.keyFile, files.pendingCertFile, files.pendingKeyFile])
    await rm(f, { force: true });
}
