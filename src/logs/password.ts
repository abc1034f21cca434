import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import argon2 from 'argon2';
import { hashPassword } from '../agents/password.js';
import type { App } from '../app.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { getSetting, setSetting, setSettingIfMissing } from '../metabase/repositories/settings.js';

/** The HTTP Basic user of log downloads (the password is per hosting server). */
export const LOG_USER = 'logs';

const hashKey = (server: string) => `logs_password_hash:${server}`;

function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Where the embedded default keeps its first log password in clear, beside the server's
 * folders (like the demo password): the only copy the platform can show. A rotated password
 * is shown once, in the operation's result, and kept nowhere.
 */
function clearCopyPath(app: App, server: string): string {
  return path.join(app.config.dataDir, 'hosting', server, 'logs-password');
}

// Checked instead when the server has no password (or does not exist): as slow as a real check,
// so the time of a refusal does not say which server names exist.
let decoyHash: Promise<string> | undefined;

export async function verifyLogPassword(app: App, server: string, password: string): Promise<boolean> {
  const hash = await getSetting(app.metabase, hashKey(server));
  decoyHash ??= hashPassword(newPassword());
  const ok = await argon2.verify(hash ?? (await decoyHash), password).catch(() => false);
  return ok && !!hash;
}

// A Tools page shows the clear copy on every load: argon2 runs once per (hash, copy) pair.
const checkedCopies = new Set<string>();

/** The current password in clear when the platform holds it (the embedded default's first one), checked against the hash. */
export async function readableLogPassword(app: App, server: string): Promise<string | null> {
  const copy = (await readFile(clearCopyPath(app, server), 'utf8').catch(() => '')).trim();
  const hash = copy ? await getSetting(app.metabase, hashKey(server)) : undefined;
  if (!copy || !hash) return null;
  const key = `${hash}\n${copy}`;
  if (checkedCopies.has(key)) return copy;
  if (!(await argon2.verify(hash, copy).catch(() => false))) return null;
  checkedCopies.add(key);
  return copy;
}

export async function hasLogPassword(app: App, server: string): Promise<boolean> {
  return !!(await getSetting(app.metabase, hashKey(server)));
}

/** Sets a new password (its hash, in the caller's transaction) and answers it: shown once. */
export async function rotateLogPassword(app: App, tx: MetabaseDb, server: string): Promise<string> {
  const password = newPassword();
  await setSetting(tx, hashKey(server), await hashPassword(password));
  await rm(clearCopyPath(app, server), { force: true });
  return password;
}

/** The embedded default's first log password, so the demo's downloads work from minute one. */
export async function ensureDemoLogPassword(app: App, server: string): Promise<void> {
  if (await hasLogPassword(app, server)) return;
  const password = newPassword();
  await writeFile(clearCopyPath(app, server), password + '\n', { mode: 0o600 });
  await setSettingIfMissing(app.metabase, hashKey(server), await hashPassword(password));
}
