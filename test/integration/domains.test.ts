import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startDemoAcme, type DemoAcmeRunning } from '../../src/demo/acme.js';
import { clearDemoRecords, setDemoRecord } from '../../src/domains/demo-dns.js';
import { certificateFiles } from '../../src/domains/key-files.js';
import { saveDemoAcme } from '../../src/domains/settings.js';
import { databaseHost, frontEndOf, siteFile } from '../../src/frontend/index.js';
import { findDomain } from '../../src/metabase/repositories/domains.js';
import type { DatabaseRow, HostingServerRow } from '../../src/metabase/schema.js';
import { runDomainSchedule } from '../../src/domains/certificate-queue.js';
import { testEnv } from '../support/env.js';
import { inject } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { demoAcme } from '../../src/domains/settings.js';
import { publishPlatformHosts } from '../../src/domains/demo-dns.js';
import { CrashPlatform } from '../support/crash-platform.js';
import { pebbleIssuer, pebbleOrders, sClient, waitForDomain } from '../support/domains.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let functional: AgentSession;
let acme: DemoAcmeRunning;
let server: HostingServerRow;
let db: DatabaseRow;
let target: string;
let uniq = 0;

/** The dbtools command, as an operator runs it on the machine of the embedded default. */
async function dbtoolsCli(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['bin/dbtools.js', ...args], {
    env: { ...process.env, ...testEnv(inject('dataDir')) },
    timeout: 60_000,
  });
  return stdout;
}
const name = (label: string) => `${label}-${process.pid}-${uniq++}.customer.test`;

beforeAll(async () => {
  app = await connectTestApp();
  functional = await AgentSession.login('functional');
  server = await embeddedServer(app);
  acme = (await startDemoAcme(app, server))!;
  expect(acme, 'pebble, pebble-challtestsrv and the front end run here').toBeTruthy();
  db = await createTestTenant(app, { prefix: 'dom' });
  target = databaseHost(db.name, app.config.platformZone);
  await publishPlatformHosts(app);
});

afterAll(async () => {
  await acme?.stop();
  await saveDemoAcme(app, null);
  await app.close();
});

describe('custom domains', () => {
  it('a domain goes from DNS pending to an active certificate that the front end serves (openssl s_client shows pebble as issuer)', async () => {
    const domain = name('shop');
    const added = await functional.run(db.name, 'add-domain', { domain: domain.toUpperCase() });
    expect(added.status).toBe(200);
    expect(added.body.result).toEqual({ domain, record: { name: domain, type: 'CNAME', value: target } });

    const pending = await waitForDomain(app, domain, (r) => r.checked_at !== null);
    expect(pending).toMatchObject({ dns_status: 'pending', cert_status: 'pending', dns_seen: 'no record' });
    const page = (await functional.call('GET /api/databases/:name', { params: { name: db.name } })).body.tools.custom_domain;
    expect(page.expectedTarget).toBe(target);
    expect(page.certificatesConfigured).toBe(true);
    expect(page.domains).toEqual([
      expect.objectContaining({
        domain,
        dnsStatus: 'pending',
        certStatus: 'pending',
        record: { name: domain, type: 'CNAME', value: target },
      }),
    ]);

    await setDemoRecord(acme.settings.dnsManagementUrl, domain, 'CNAME', target);
    expect((await functional.run(db.name, 'retry-certificate', { domain })).status).toBe(200);
    const active = await waitForDomain(
      app,
      domain,
      (r) => r.cert_status === 'active' || r.cert_status === 'failed',
    );
    expect(active.reason).toBeNull();
    expect(active).toMatchObject({ dns_status: 'ok', cert_status: 'active' });
    expect(active.expires_at!.getTime()).toBeGreaterThan(Date.now());
    const twoThirds =
      active.issued_at!.getTime() + ((active.expires_at!.getTime() - active.issued_at!.getTime()) * 2) / 3;
    expect(Math.abs(active.renew_at!.getTime() - twoThirds)).toBeLessThan(2);

    const files = certificateFiles(app.config, server, domain);
    for (const f of [
      files.keyFile,
      (await import('../../src/domains/key-files.js')).accountKeyFile(app.config, server),
    ]) {
      const { stat } = await import('node:fs/promises');
      expect(((await stat(f)).mode & 0o777).toString(8)).toBe('600');
    }
    const front = frontEndOf(await embeddedServer(app))!;
    const shown = await sClient(front.address, front.httpsPort, domain);
    const issuer = await pebbleIssuer(acme.settings.acmeManagementUrl, acme.settings.acmeCaFile);
    expect(shown).toMatch(new RegExp(`subject=CN\\s*=\\s*${domain.replace(/\./g, '\\.')}`));
    expect(shown).toContain(`issuer=CN = ${issuer}`);

    const report = await functional.run(db.name, 'diagnose-domain', { domain });
    expect(report.status).toBe(200);
    expect(report.body.result.checks.map((c: { ok: boolean }) => c.ok)).toEqual([true, true, true, true]);
    expect(report.body.result.verdict).toMatch(/^Everything is in order/);

    // Removal: nginx first (no TLS block for the name any more), then the files.
    expect((await functional.run(db.name, 'remove-domain', { domain })).status).toBe(200);
    expect(await findDomain(app.metabase, domain)).toBeUndefined();
    expect(await readFile(siteFile(server, db.name), 'utf8')).not.toContain(domain);
    for (const f of [files.certFile, files.keyFile]) await expect(access(f)).rejects.toThrow();
    expect(await sClient(front.address, front.httpsPort, domain)).not.toContain(`CN = ${domain}`);
    await clearDemoRecords(acme.settings.dnsManagementUrl, domain);
  }, 120_000);

  it('renews at two thirds of the life under a controlled clock, stays "renewing" while the DNS check cannot run, and is expired past its end', async () => {
    const domain = name('renew');
    expect((await functional.run(db.name, 'add-domain', { domain })).status).toBe(200);
    await waitForDomain(app, domain, (r) => r.checked_at !== null);
    // As an operator of the demo would: through the CLI, which finds the demo DNS in the metabase.
    await dbtoolsCli(['demo', 'dns', 'set', domain, 'CNAME', target]);
    expect((await functional.run(db.name, 'retry-certificate', { domain })).status).toBe(200);
    const first = await waitForDomain(app, domain, (r) => r.cert_status === 'active');
    const firstChain = await readFile(certificateFiles(app.config, server, domain).certFile, 'utf8');

    // The DNS fails when the renewal is due: the certificate is not said active on a check that did not run.
    await setDemoRecord(acme.settings.dnsManagementUrl, domain, 'SERVFAIL', '');
    let clock = new Date(first.renew_at!.getTime() + 1_000);
    const later = await connectTestApp({ now: () => clock });
    try {
      expect(await runDomainSchedule(later)).toContain(domain);
      expect((await findDomain(app.metabase, domain))!.cert_status).toBe('renewing');
      const stuck = await waitForDomain(app, domain, (r) => r.dns_status === 'servfail');
      expect(stuck.cert_status).toBe('renewing');
      expect(stuck.reason).toMatch(/does not answer/);

      await clearDemoRecords(acme.settings.dnsManagementUrl, domain);
      await setDemoRecord(acme.settings.dnsManagementUrl, domain, 'CNAME', target);
      await later.metabase
        .updateTable('domain')
        .set({ next_attempt_at: clock })
        .where('domain', '=', domain)
        .execute();
      await runDomainSchedule(later);
      const renewed = await waitForDomain(
        app,
        domain,
        (r) => r.cert_status === 'active' && r.issued_at!.getTime() !== first.issued_at!.getTime(),
      );
      expect(renewed.reason).toBeNull();
      expect(await readFile(certificateFiles(app.config, server, domain).certFile, 'utf8')).not.toBe(
        firstChain,
      );
      expect(renewed.renew_at!.getTime()).toBeGreaterThan(first.renew_at!.getTime());

      clock = new Date(renewed.expires_at!.getTime() + 1_000);
      await runDomainSchedule(later);
      expect(await findDomain(app.metabase, domain)).toMatchObject({ cert_status: 'expired' });
    } finally {
      await later.close();
    }
    await functional.run(db.name, 'remove-domain', { domain });
  }, 180_000);

  it('wrong target, AAAA conflict, CAA blocking and SERVFAIL each end in their status and diagnostic, and pebble sees no order', async () => {
    const ordersBefore = await pebbleOrders(acme.pebbleLog);
    const front = frontEndOf(await embeddedServer(app))!;
    const cases = [
      {
        domain: name('wrong'),
        records: [['CNAME', 'elsewhere.example.net']],
        status: 'wrong_target',
        verdict: /^Pointing elsewhere/,
      },
      // At an apex (no CNAME possible), the A is ours but an AAAA sends IPv6 clients elsewhere.
      {
        domain: name('aaaa'),
        records: [
          ['A', front.address],
          ['AAAA', '2001:db8::1'],
        ],
        status: 'conflicting_records',
        verdict: /^Conflicting records: .*AAAA 2001:db8::1/,
      },
      {
        domain: `www.${name('caa')}`,
        records: [
          ['CNAME', target],
          ['CAA', 'issue "other-ca.example"'],
        ],
        status: 'caa_blocked',
        verdict: /^CAA forbids our certificate authority/,
      },
      { domain: name('servfail'), records: [['SERVFAIL', '']], status: 'servfail', verdict: /SERVFAIL/ },
    ] as const;
    for (const c of cases) {
      // The CAA case's record sits on the parent: found by walking up to the apex.
      for (const [type, value] of c.records) {
        const at = type === 'CAA' ? c.domain.split('.').slice(1).join('.') : c.domain;
        await setDemoRecord(acme.settings.dnsManagementUrl, at, type, value);
      }
      expect((await functional.run(db.name, 'add-domain', { domain: c.domain })).status).toBe(200);
    }
    for (const c of cases) {
      const row = await waitForDomain(app, c.domain, (r) => r.checked_at !== null);
      expect(row.dns_status, c.domain).toBe(c.status);
      expect(row.cert_status).toBe('pending');
      expect(row.reason).toBeTruthy();
      expect(row.next_attempt_at!.getTime()).toBeGreaterThan(row.checked_at!.getTime());
      const report = await functional.run(db.name, 'diagnose-domain', { domain: c.domain });
      expect(report.body.result.verdict, c.domain).toMatch(c.verdict);
      expect(report.body.result.checks).toHaveLength(4);
    }
    expect(await pebbleOrders(acme.pebbleLog)).toBe(ordersBefore);
  });

  it('refuses wildcards, the platform zone and a domain another database holds (409 naming no database)', async () => {
    const other = await createTestTenant(app, { prefix: 'dom2' });
    const domain = name('taken');
    expect((await functional.run(db.name, 'add-domain', { domain })).status).toBe(200);
    const taken = await functional.run(other.name, 'add-domain', { domain });
    expect(taken.status).toBe(409);
    expect(JSON.stringify(taken.body)).not.toContain(db.name);
    expect((await functional.run(other.name, 'add-domain', { domain: `*.${domain}` })).status).toBe(422);
    expect(
      (await functional.run(other.name, 'add-domain', { domain: `x.${app.config.platformZone}` })).status,
    ).toBe(422);
    const viewer = await AgentSession.login('helpdesk');
    expect((await viewer.run(db.name, 'add-domain', { domain: name('low') })).status).toBe(403);
  });

  it('refuses an address in any spelling (422) and stores nothing for it', async () => {
    const other = await createTestTenant(app, { prefix: 'domip' });
    for (const domain of ['0x7f.1', '127.1', '2130706433', '0177.0.0.1', '127.0.0.1.', '[::1]', '::ffff:127.0.0.1']) {
      const res = await functional.run(other.name, 'add-domain', { domain });
      expect(res.status, domain).toBe(422);
      expect(res.body.error.message, domain).toMatch(/is an address/);
    }
    expect(await app.metabase.selectFrom('domain').select('domain').where('database_name', '=', other.name).execute()).toEqual([]);
    expect(await app.metabase.selectFrom('domain').select('domain').where('domain', '=', '127.0.0.1').execute()).toEqual([]);
  });
});

describe('custom domains across a crash', () => {
  let platform: CrashPlatform;
  beforeAll(async () => {
    platform = await CrashPlatform.create();
  }, 300_000);
  afterAll(async () => {
    if (!platform) return;
    // The demo CA outlives a killed server on purpose; whatever happened to this test, end ours.
    const state = await readFile(path.join(platform.dataDir, 'demo-acme', 'state.json'), 'utf8').then(
      (t) => JSON.parse(t) as { pids: number[] },
      () => ({ pids: [] }),
    );
    await platform.close();
    for (const pid of state.pids) {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmd.includes('pebble')) process.kill(pid, 'SIGTERM');
    }
  }, 120_000);

  it('an issuance killed before finalizing resumes after the restart with the same order and ends active', async () => {
    const tenant = await createTestTenant(platform.app, { prefix: 'domcrash' });
    await platform.start('certificate:finalize');
    const demo = (await demoAcme(platform.app))!;
    expect(demo, 'the server started the demo DNS and CA').toBeTruthy();
    await publishPlatformHosts(platform.app);
    const domain = name('crash');
    await setDemoRecord(
      demo.dnsManagementUrl,
      domain,
      'CNAME',
      databaseHost(tenant.name, platform.app.config.platformZone),
    );
    const agent = await platform.login();
    await agent.run(tenant.name, 'add-domain', { domain }).catch(() => undefined);
    await platform.waitForExit();
    const job = await platform.app.metabase
      .selectFrom('job')
      .selectAll()
      .where('kind', '=', 'certificate')
      .where(sql<boolean>`payload->>'domain' = ${domain}`)
      .executeTakeFirstOrThrow();
    expect(job.done_steps).toEqual(['check-dns', 'order', 'challenge']);
    const orderUrl = job.data.orderUrl;
    expect(orderUrl).toBeTruthy();
    expect((await findDomain(platform.app.metabase, domain))!.cert_status).toBe('issuing');

    await platform.start();
    const active = await waitForDomain(
      platform.app,
      domain,
      (r) => r.cert_status === 'active' || r.cert_status === 'failed',
      120_000,
    );
    expect(active.reason).toBeNull();
    const finished = await platform.app.metabase
      .selectFrom('job')
      .selectAll()
      .where('id', '=', job.id)
      .executeTakeFirstOrThrow();
    expect(finished.state).toBe('completed');
    expect(finished.data.orderUrl).toBe(orderUrl);
    const front = frontEndOf(await embeddedServer(platform.app))!;
    expect(await sClient(front.address, front.httpsPort, domain)).toMatch(
      new RegExp(`subject=CN\\s*=\\s*${domain.replace(/\./g, '\\.')}`),
    );
    await platform.stop();
  }, 240_000);
});
