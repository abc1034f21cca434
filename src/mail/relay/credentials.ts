import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { App } from '../../app.js';
import { hashPassword } from '../../agents/password.js';
import {
  findRelayCredential,
  hasRelayCredential,
  upsertRelayCredential,
} from '../../metabase/repositories/email-relay.js';
import { pointRelayMailServer, writeRelayMailServer } from '../../tenant/relay-mail-server.js';

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

/** The database a relay login belongs to, when the password is right. */
export async function authenticateRelayUser(
  app: App,
  user: string,
  password: string,
): Promise<string | undefined> {
  const credential = await findRelayCredential(app.metabase, user);
  if (!credential) return undefined;
  const ok = await argon2.verify(credential.password_hash, password).catch(() => false);
  return ok ? credential.database_name : undefined;
}
