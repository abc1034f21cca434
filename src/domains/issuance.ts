import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { App } from '../app.js';
import { Invalid } from '../errors.js';
import { stepData, type StepDataOf } from '../jobs/define.js';
import { webrootOf, writeSite } from '../frontend/index.js';
import { findDatabase } from '../metabase/repositories/databases.js';
import { findDomain, updateDomain } from '../metabase/repositories/domains.js';
import type { DomainRow, HostingServerRow } from '../metabase/schema.js';
import { acme, acmeClient, isRateLimited } from './acme.js';
import { checkDomainDns } from './dns-check.js';
import { servedTlsDomains } from './served.js';
import { certificateFiles, readIfExists, writeSecretFile } from './key-files.js';
import { nextDnsAttempt, RATE_LIMIT_PAUSE_MS, renewalTime } from './retry-policy.js';
import { domainSettings } from './settings.js';

/**
 * One certificate attempt for a domain, as the steps of a crash-safe job (src/jobs/certificate.ts).
 * What a resumed attempt needs lives in the job's data (the order's URL) and on disk (the
 * pending key and chain); the domain row says what agents see.
 */
export const issuanceData = stepData({
  /** Set when this attempt ends early (DNS not ready, domain removed, not configured, rate limited). */
  stop: z.string(),
  orderUrl: z.string(),
});
export type IssuanceData = StepDataOf<typeof issuanceData>;

interface Target {
  row: DomainRow;
  server: HostingServerRow;
  database: string;
}

async function target(app: App, domain: string): Promise<Target | undefined> {
  const row = await findDomain(app.metabase, domain);
  if (!row) return undefined;
  const db = await findDatabase(app.metabase, row.database_name);
  if (!db || db.state === 'removed') return undefined;
  return { row, server: await app.tenants.server(db.server_id), database: db.name };
}

/** The certificate status while we work: a domain that already serves one is renewing it. */
function working(row: DomainRow): 'issuing' | 'renewing' {
  return row.issued_at ? 'renewing' : 'issuing';
}

/** Step 1: the records and CAA, checked by us; only `ok` goes on to the CA. */
export async function checkBeforeOrdering(app: App, domain: string): Promise<IssuanceData> {
  const t = await target(app, domain);
  if (!t) return { stop: 'removed' };
  const now = app.now();
  const settings = await domainSettings(app);
  const check = await checkDomainDns(settings, domain, t.database, app.config.platformZone);
  const base = { dns_status: check.status, dns_seen: check.seen, checked_at: now };
  if (!settings.acmeDirectory) {
    await updateDomain(app.metabase, domain, {
      ...base,
      reason:
        'Certificates are not configured on this platform (no ACME directory): the domain cannot get one yet.',
      next_attempt_at: null,
    });
    return { stop: 'not-configured' };
  }
  if (check.status !== 'ok') {
    const attempts = t.row.attempts + 1;
    const first = t.row.first_attempt_at ?? now;
    const next = nextDnsAttempt(attempts, first, now);
    const gaveUp = 'giveUp' in next;
    await updateDomain(app.metabase, domain, {
      ...base,
      attempts,
      first_attempt_at: first,
      next_attempt_at: gaveUp ? null : next.at,
      // A renewal keeps saying "renewing" (the served certificate is not re-checked active);
      // a first issuance waits as pending, and fails once five days have passed.
      cert_status: gaveUp ? 'failed' : t.row.issued_at ? 'renewing' : 'pending',
      reason: gaveUp
        ? `The DNS was still not right after 5 days: ${check.reason ?? check.seen}. Fix the record, then retry.`
        : (check.reason ?? null),
    });
    return { stop: 'dns' };
  }
  await updateDomain(app.metabase, domain, { ...base, cert_status: working(t.row), reason: null });
  return {};
}

async function pausedByRateLimit(app: App, row: DomainRow, e: unknown): Promise<IssuanceData> {
  if (!isRateLimited(e)) throw e;
  await updateDomain(app.metabase, row.domain, {
    next_attempt_at: new Date(app.now().getTime() + RATE_LIMIT_PAUSE_MS),
    reason: `The certificate authority asks us to slow down (${(e as Error).message}); the next attempt is in an hour.`,
  });
  return { stop: 'rate-limited' };
}

/** Step 2: the order (reused when a crashed attempt already placed it) and the certificate's key. */
export async function placeOrder(app: App, domain: string, data: IssuanceData): Promise<IssuanceData> {
  const t = await target(app, domain);
  if (!t) return { stop: 'removed' };
  const files = certificateFiles(app.config, t.server, domain);
  if (!(await readIfExists(files.pendingKeyFile))) {
    await writeSecretFile(files.pendingKeyFile, await acme.crypto.createPrivateEcdsaKey());
  }
  const client = await acmeClient(app.config, t.server, await domainSettings(app));
  if (data.orderUrl) {
    const order = await client.getOrder({ url: data.orderUrl } as acme.Order).catch(() => undefined);
    if (order && order.status !== 'invalid') return { orderUrl: data.orderUrl };
  }
  try {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: domain }] });
    return { orderUrl: order.url };
  } catch (e) {
    return pausedByRateLimit(app, t.row, e);
  }
}

const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

function tokenFile(server: HostingServerRow, token: string): string {
  if (!TOKEN.test(token)) throw new Error('The CA sent a challenge token that is not base64url.');
  return path.join(webrootOf(server), '.well-known', 'acme-challenge', token);
}

/** Step 3: http-01 answered by the front end from its webroot, then validated by the CA. */
export async function answerChallenges(app: App, domain: string, data: IssuanceData): Promise<void> {
  const t = await target(app, domain);
  if (!t) return;
  const client = await acmeClient(app.config, t.server, await domainSettings(app));
  const order = await client.getOrder({ url: data.orderUrl! } as acme.Order);
  if (order.status !== 'pending') return; // validated by an earlier attempt
  const written: string[] = [];
  try {
    for (const authz of await client.getAuthorizations(order)) {
      if (authz.status === 'valid') continue;
      const challenge = authz.challenges.find((c) => c.type === 'http-01');
      if (!challenge)
        throw new Invalid(`The certificate authority offers no http-01 challenge for ${domain}.`);
      const file = tokenFile(t.server, challenge.token);
      await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
      await writeFile(file, await client.getChallengeKeyAuthorization(challenge));
      await chmod(file, 0o644);
      written.push(file);
      if (challenge.status === 'pending') await client.completeChallenge(challenge);
      try {
        await client.waitForValidStatus(challenge);
      } catch (e) {
        // The CA could not fetch the token through the front end: retrying the same order will
        // not help; the agent investigates (Diagnostics) and retries.
        throw new Invalid(`The certificate authority could not validate ${domain}: ${(e as Error).message}`);
      }
    }
  } finally {
    for (const f of written) await rm(f, { force: true });
  }
}

/** Step 4: the order finalized with our key's CSR; the chain is kept beside the pending key. */
export async function finalizeOrder(app: App, domain: string, data: IssuanceData): Promise<void> {
  const t = await target(app, domain);
  if (!t) return;
  const files = certificateFiles(app.config, t.server, domain);
  const client = await acmeClient(app.config, t.server, await domainSettings(app));
  let order = await client.getOrder({ url: data.orderUrl! } as acme.Order);
  if (order.status === 'ready') {
    const key = await readIfExists(files.pendingKeyFile);
    if (!key) throw new Error(`The pending key of ${domain} is missing: the order starts again.`);
    const [, csr] = await acme.crypto.createCsr({ commonName: domain, altNames: [domain] }, key);
    order = await client.finalizeOrder(order, csr);
  }
  if (order.status !== 'valid') order = await client.waitForValidStatus(order);
  const chain = await client.getCertificate(order);
  // The chain is public (nginx, another user, reads it); its key stays 0600.
  await writeSecretFile(files.pendingCertFile, chain, 0o644);
}

/**
 * Step 5: the new files replace the served ones (key and chain renamed: each whole or not at
 * all), the row learns the certificate's dates, and the front end serves its TLS block.
 */
export async function installCertificate(app: App, domain: string): Promise<void> {
  const t = await target(app, domain);
  if (!t) return;
  const files = certificateFiles(app.config, t.server, domain);
  const pendingCert = await readIfExists(files.pendingCertFile);
  if (pendingCert) {
    const pendingKey = (await readIfExists(files.pendingKeyFile)) ?? (await readIfExists(files.keyFile));
    // A chain that does not match its key would make nginx refuse the whole server's
    // configuration: checked before it replaces anything that is served.
    if (!pendingKey || !new X509Certificate(pendingCert).checkPrivateKey(createPrivateKey(pendingKey))) {
      await rm(files.pendingCertFile, { force: true });
      throw new Invalid(
        `The certificate received for ${domain} does not match its key; nothing served was changed. Retry to order a new one.`,
      );
    }
    if (await readIfExists(files.pendingKeyFile)) await rename(files.pendingKeyFile, files.keyFile);
    await rename(files.pendingCertFile, files.certFile);
  }
  const chain = await readIfExists(files.certFile);
  if (!chain) throw new Error(`The certificate of ${domain} is missing: the order starts again.`);
  const info = acme.crypto.readCertificateInfo(chain);
  // The site is written with this domain's TLS block before the row says it is served: a
  // block nginx refuses never reaches the metabase, so it cannot break the server's later writes.
  const db = await findDatabase(app.metabase, t.database);
  const others = (await servedTlsDomains(app.metabase, app.config, t.server, t.database)).filter(
    (d) => d.domain !== domain,
  );
  await writeSite(app, t.server, t.database, {
    secure: db?.secure ?? false,
    tlsDomains: [...others, { domain, certFile: files.certFile, keyFile: files.keyFile }].sort((a, b) =>
      a.domain.localeCompare(b.domain),
    ),
  });
  await updateDomain(app.metabase, domain, { issued_at: info.notBefore, expires_at: info.notAfter });
}

/** Step 6: active, with its expiry and the renewal planned at two thirds of its life. */
export async function activate(app: App, domain: string): Promise<void> {
  const row = await findDomain(app.metabase, domain);
  if (!row?.issued_at || !row.expires_at) return;
  const renewAt = renewalTime(row.issued_at, row.expires_at);
  await updateDomain(app.metabase, domain, {
    cert_status: 'active',
    reason: null,
    renew_at: renewAt,
    next_attempt_at: renewAt,
    attempts: 0,
    first_attempt_at: null,
  });
}

/** The attempt failed for good: the reason in words; a certificate still valid keeps being served. */
export async function recordFailure(app: App, domain: string, error: unknown): Promise<void> {
  const row = await findDomain(app.metabase, domain);
  if (!row) return;
  const message = error instanceof Error ? error.message : String(error);
  const served =
    row.expires_at && row.expires_at > app.now()
      ? ` The current certificate is served until ${row.expires_at.toISOString().slice(0, 10)}.`
      : '';
  await updateDomain(app.metabase, domain, {
    cert_status: 'failed',
    reason: `${message}${served} Investigate (Diagnostics) before retrying.`,
    next_attempt_at: null,
  });
}
