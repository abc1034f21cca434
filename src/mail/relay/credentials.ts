import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { App } from '../../app.js';
import { lockoutAddress, withLockout, type Guarded } from '../../login-lockout.js';
import { hashPassword } from '../../agents/password.js';
import {
  findRelayCredential,
  hasRelayCredential,
  upsertRelayCredential,
} from '../../metabase/repositories/email-relay.js';
import { pointRelayMailServer, writeRelayMailServer } from '../../tenant/relay-mail-server.js';
import { rememberVerified, verifiedBefore } from './verified-logins.js';

export interface RelayAddress {
  host: string;
  port: number;
}

/** A database's login on the relay is its own name: one login per database, readable in logs. */
export function relayUser(database: string): string {
  return database;
}

/**
 * Makes the tenant send through the relay. The first time, generates its credentials: the hash
 * goes to the metabase, the password into the tenant's outgoing server record (the only place
 * it is kept, as Odoo keeps it). Later calls only point the record at the relay's current
 * address, unless the record is gone, in which case new credentials are made.
 */
export async function wireTenantToRelay(
  app: App,
  database: { name: string; server_id: number },
  address: RelayAddress,
): Promise<{ newCredentials: boolean }> {
  const user = relayUser(database.name);
  if (await hasRelayCredential(app.metabase, database.name)) {
    const pointed = await app.tenants.withTenant(database, (client) =>
      pointRelayMailServer(client, { ...address, user }),
    );
    if (pointed) return { newCredentials: false };
  }
  const password = randomBytes(24).toString('base64url');
  const passwordHash = await hashPassword(password);
  await app.tenants.withTenantTransaction(database, (client) =>
    writeRelayMailServer(client, { ...address, user, password }),
  );
  await upsertRelayCredential(app.metabase, {
    database_name: database.name,
    smtp_user: user,
    password_hash: passwordHash,
  });
  return { newCredentials: true };
}

/** Failed AUTHs of one relay login (from anywhere) before it is locked out for the window. */
export const RELAY_MAX_FAILURES_PER_LOGIN = 10;
/**
 * Failed AUTHs from one address (any login) before it is locked out. Higher than per login:
 * every database of a hosting server connects from that server's address, and a few of them
 * with a stale password must not stop the others' mail.
 */
export const RELAY_MAX_FAILURES_PER_ADDRESS = 30;

// Verifying against this when the login is unknown makes both answers equally slow: the time
// of a refusal does not say which database names exist.
let decoyHash: Promise<string> | undefined;

export type RelayLogin = Guarded<string>;

/**
 * The database a relay login belongs to when the password is right, under the lockout: per
 * login and per remote address (src/login-lockout.ts). A password argon2 accepted lately is
 * recognised without it (verified-logins.ts).
 */
export function authenticateRelayUser(
  app: App,
  user: string,
  password: string,
  remoteAddress: string | undefined,
): Promise<RelayLogin> {
  return withLockout(
    app.metabase,
    [
      { key: `relay login ${JSON.stringify(user)}`, maxFailures: RELAY_MAX_FAILURES_PER_LOGIN },
      { key: `relay from ${lockoutAddress(remoteAddress)}`, maxFailures: RELAY_MAX_FAILURES_PER_ADDRESS },
    ],
    async () => {
      const credential = await findRelayCredential(app.metabase, user);
      if (credential && verifiedBefore(user, credential.password_hash, password))
        return credential.database_name;
      decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
      const hash = credential?.password_hash ?? (await decoyHash);
      const ok = await argon2.verify(hash, password).catch(() => false);
      if (!ok || !credential) return undefined;
      rememberVerified(user, credential.password_hash, password);
      return credential.database_name;
    },
  );
}
