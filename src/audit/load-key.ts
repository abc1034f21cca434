import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type AuditConfig } from '../config/config.js';
import { AuditKey } from './key.js';

/**
 * The operator's DBTOOLS_AUDIT_KEY, or else the key file, made once with 32 random bytes. The
 * file is written aside and linked into place, so processes starting together all read the one
 * complete key that won. A file others may read is refused, as ssh refuses a private key.
 */
export async function loadAuditKey(config: AuditConfig): Promise<AuditKey> {
  if (config.key) return new AuditKey(Buffer.from(config.key, 'utf8'));
  const file = config.keyFile;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const exists = await stat(file).then(
    () => true,
    (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? false : Promise.reject(e)),
  );
  if (!exists) {
    const aside = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.new`;
    await writeFile(aside, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    try {
      await link(aside, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      await unlink(aside);
    }
  }
  if ((await stat(file)).mode & 0o077) {
    throw new ConfigError(`The audit key file ${file} must be readable by its owner only (chmod 600 ${file})`);
  }
  const secret = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (secret.length < 32) throw new ConfigError(`The audit key file ${file} does not hold a key (32 bytes, base64)`);
  return new AuditKey(secret);
}
