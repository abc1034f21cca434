import { readFile } from 'node:fs/promises';
import https from 'node:https';
import tls from 'node:tls';
import acme from 'acme-client';
import type { Config } from '../config/config.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { accountKeyFile, accountUrlFile, readIfExists, writeSecretFile } from './key-files.js';
import type { DomainSettings } from './settings.js';

let trusted: string | undefined;

/**
 * The ACME directory's HTTPS is checked against the system's CAs plus DBTOOLS_ACME_CA_FILE
 * (pebble's listener uses its own test certificate). Set on acme-client's own HTTP client
 * only: TLS verification stays on everywhere, and nothing else in the process trusts that file.
 */
async function trustAcmeCa(caFile: string | undefined): Promise<void> {
  const pem = caFile ? await readFile(caFile, 'utf8') : '';
  if (trusted === pem) return;
  acme.axios.defaults.httpsAgent = new https.Agent({
    ca: pem ? [...tls.rootCertificates, pem] : undefined,
    keepAlive: false,
  });
  // acme-client waits out a 429 by itself; a few tries, then our own schedule takes over.
  // acmeSettings is acme-client's own addition to its axios defaults (src/axios.js), untyped there.
  const defaults = acme.axios.defaults as unknown as { acmeSettings: Record<string, number> };
  defaults.acmeSettings = { ...defaults.acmeSettings, retryMaxAttempts: 2, retryDefaultDelay: 2 };
  trusted = pem;
}

export class CertificatesNotConfigured extends Error {
  constructor() {
    super(
      'Certificates are not configured: set DBTOOLS_ACME_DIRECTORY (and DBTOOLS_DNS_SERVER) or install pebble for the demo.',
    );
  }
}

/**
 * An ACME client with the hosting server's account, created at the CA on first use. The
 * account key is made once (0600) and reused: the CA's rate limits count per account.
 */
export async function acmeClient(
  config: Pick<Config, 'dataDir'>,
  server: Pick<HostingServerRow, 'name'>,
  settings: DomainSettings,
): Promise<acme.Client> {
  if (!settings.acmeDirectory) throw new CertificatesNotConfigured();
  await trustAcmeCa(settings.acmeCaFile);
  const file = accountKeyFile(config, server);
  let key = await readIfExists(file);
  if (!key) {
    key = await acme.crypto.createPrivateEcdsaKey();
    await writeSecretFile(file, key);
  }
  // The account's URL at this CA, kept beside the key: later clients use it without asking the
  // CA again (an empty account update is refused by some CAs, pebble included).
  const urlFile = accountUrlFile(config, server, settings.acmeDirectory);
  const accountUrl = (await readIfExists(urlFile))?.toString().trim() || undefined;
  const options = {
    directoryUrl: settings.acmeDirectory,
    accountKey: key,
    backoffMin: 1_000,
    backoffMax: 10_000,
    backoffAttempts: 12,
  };
  if (accountUrl) return new acme.Client({ ...options, accountUrl });
  const client = new acme.Client(options);
  await client.createAccount({
    termsOfServiceAgreed: true,
    ...(settings.acmeEmail && { contact: [`mailto:${settings.acmeEmail}`] }),
  });
  await writeSecretFile(urlFile, client.getAccountUrl());
  return client;
}

/** The CA refused for now because of its rate limits (it says so in the problem's words). */
export function isRateLimited(e: unknown): boolean {
  return e instanceof Error && /rate.?limit|too many/i.test(e.message);
}

export { acme };
