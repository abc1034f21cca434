/**
 * set-security on real Odoo's answers: per series, a database made by Odoo is served by the
 * platform's Odoo worker behind the hosting server's nginx (test/support/odoo-platform.ts), with a
 * custom domain whose certificate is installed. With the security features on, Odoo's own
 * /web/login answer over HTTPS carries HSTS and its session_id cookie Secure and SameSite=Lax
 * (over plain HTTP SameSite=Lax only); turned off, the cookie is again as Odoo sets it (HttpOnly
 * only) and no HSTS is sent.
 */
import { chown } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFiles } from '../../src/domains/key-files.js';
import { frontEndOf, HSTS, nginxUser } from '../../src/frontend/index.js';
import { insertDomain, updateDomain } from '../../src/metabase/repositories/domains.js';
import type { OdooSeries } from '../../src/tenant/odoo-version.js';
import { selfSignedCertificate } from '../support/domains.js';
import { tlsThrough, type FrontEndAnswer } from '../support/front-end.js';
import { AgentSession } from '../support/http.js';
import { isOdooLogin, startOdooPlatform, type OdooPlatform } from '../support/odoo-platform.js';
import {
  ensureOdooDependencies,
  NEUTRALIZATION_MODULES,
  odooMadeDumpFile,
  REAL_ODOO_REQUIRED,
  REAL_ODOO_SERIES,
  realOdooMissing,
  realOdooTree,
} from '../support/real-odoo.js';

const SERIES = REAL_ODOO_SERIES;
const PASSWORD = 'odoo-security-agent-password';

const missing = await realOdooMissing(SERIES);
if (missing) console.warn(`Real-Odoo security feature tests skipped: ${missing}.`);

describe.runIf(missing && REAL_ODOO_REQUIRED)(
  'real Odoo (required here: DBTOOLS_REQUIRE_REAL_ODOO=1)',
  () => {
    it('is available', () => {
      expect.fail(`Real Odoo is required but ${missing}.`);
    });
  },
);

const databaseOf = (series: OdooSeries) => `odoo-sec-${series.replace('.', '-')}-${process.pid}`;
const domainOf = (series: OdooSeries) => `shop-${series.replace('.', '-')}-${process.pid}.example.test`;

let hosting: OdooPlatform;
let technical: AgentSession;
const certificates = new Map<OdooSeries, string>();

/** A certificate for the database's custom domain, installed where the ACME job puts it, and its domain row issued. */
async function installCertificate(series: OdooSeries): Promise<void> {
  const { app, server } = hosting;
  const domain = domainOf(series);
  const files = certificateFiles(app.config, server, domain);
  const { cert } = await selfSignedCertificate(path.dirname(files.certFile), domain);
  const user = nginxUser();
  if (user) await chown(files.keyFile, user.uid, user.gid);
  await insertDomain(app.metabase, {
    domain,
    database_name: databaseOf(series),
    next_attempt_at: new Date(),
  });
  const now = new Date();
  await updateDomain(app.metabase, domain, {
    dns_status: 'ok',
    cert_status: 'active',
    issued_at: now,
    expires_at: new Date(now.getTime() + 2 * 86_400_000),
  });
  certificates.set(series, cert);
}

/** Odoo's /web/login through the front end over HTTPS at the custom domain, polled until Odoo answers it. */
async function overHttps(series: OdooSeries): ReturnType<typeof tlsThrough> {
  const fe = frontEndOf(hosting.server)!;
  const until = Date.now() + 120_000;
  for (;;) {
    const answer = await tlsThrough(fe.address, fe.httpsPort, domainOf(series), certificates.get(series)!, {
      path: '/web/login',
    });
    if (isOdooLogin(answer) || Date.now() > until) return answer;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The session_id Set-Cookie of an answer, as Odoo (and nginx) wrote it. */
function sessionCookie(answer: FrontEndAnswer): string {
  const cookie = (answer.headers['set-cookie'] ?? []).find((c) => c.startsWith('session_id='));
  if (!cookie) throw new Error(`no session_id cookie in ${JSON.stringify(answer.headers)}`);
  return cookie;
}

describe.skipIf(missing)("set-security on real Odoo's answers through nginx", () => {
  beforeAll(async () => {
    await ensureOdooDependencies();
    const databases = await Promise.all(
      SERIES.map(async (series) => ({
        name: databaseOf(series),
        series,
        dump: await odooMadeDumpFile(await realOdooTree(series), series, NEUTRALIZATION_MODULES),
      })),
    );
    hosting = await startOdooPlatform({
      name: 'odoo-sec',
      series: [...SERIES],
      agents: [{ login: 'technical', name: 'Theo Technical', level: 3 }],
      password: PASSWORD,
      databases,
    });
    for (const series of SERIES) await installCertificate(series);
    technical = await AgentSession.login('technical', PASSWORD, hosting.base);
  }, 600_000);

  afterAll(async () => {
    await hosting?.stop();
  }, 120_000);

  describe.each(SERIES)('Odoo %s', (series) => {
    it("turns HSTS and session_id's Secure and SameSite=Lax on for Odoo's /web/login over HTTPS (SameSite only over HTTP), and off again", async () => {
      const database = databaseOf(series);
      const host = hosting.hostOf(database);
      await hosting.loginPage(host);

      const on = await technical.run(database, 'set-security', { enabled: true });
      expect(on.status, JSON.stringify(on.body)).toBe(200);
      expect(on.body.result.secure).toBe(true);
      const secured = await overHttps(series);
      expect(isOdooLogin(secured), secured.body.slice(0, 300)).toBe(true);
      expect(secured.subjectCN).toBe(domainOf(series));
      expect(secured.headers['strict-transport-security']).toBe(HSTS);
      const secureCookie = sessionCookie(secured);
      expect(secureCookie).toMatch(/; HttpOnly/i);
      expect(secureCookie).toMatch(/; Secure/i);
      expect(secureCookie).toMatch(/; SameSite=Lax/i);
      // Plain HTTP at the platform host: SameSite=Lax, but neither Secure (it would not come back) nor HSTS.
      const plain = await hosting.loginPage(host);
      expect(plain.headers['strict-transport-security']).toBeUndefined();
      expect(sessionCookie(plain)).toMatch(/; SameSite=Lax/i);
      expect(sessionCookie(plain)).not.toMatch(/; Secure/i);

      const off = await technical.run(database, 'set-security', { enabled: false });
      expect(off.status, JSON.stringify(off.body)).toBe(200);
      expect(off.body.result.secure).toBe(false);
      for (const answer of [await overHttps(series), await hosting.loginPage(host)]) {
        expect(isOdooLogin(answer)).toBe(true);
        expect(answer.headers['strict-transport-security']).toBeUndefined();
        const cookie = sessionCookie(answer);
        expect(cookie).toMatch(/; HttpOnly/i);
        expect(cookie).not.toMatch(/; Secure/i);
        expect(cookie).not.toMatch(/SameSite/i);
      }
    }, 300_000);
  });
});
