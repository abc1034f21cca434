import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile, chmod } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import tls from 'node:tls';
import type { App } from '../app.js';
import { frontEndOf, webrootOf, type FrontEnd } from '../frontend/index.js';
import type { DomainRow, HostingServerRow } from '../metabase/schema.js';
import { checkCaa } from './caa.js';
import { checkDomainDns, domainResolver, lookUpCaa } from './dns-check.js';
import { describeRecords } from './dns-status.js';
import { domainSettings } from './settings.js';
import { verdict, type DiagnosticCheck } from './verdict.js';

export interface Diagnosis {
  checks: DiagnosticCheck[];
  verdict: string;
}

/** GET through the front end with the domain as Host, as the CA's validation request arrives. */
function getThroughFrontEnd(
  front: FrontEnd,
  domain: string,
  urlPath: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: front.address, port: front.httpPort, path: urlPath, headers: { host: domain }, timeout: 5_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body = (body + d).slice(0, 4096)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
  });
}

async function httpChallengeCheck(
  server: HostingServerRow,
  front: FrontEnd | null,
  domain: string,
): Promise<DiagnosticCheck> {
  const expected = 'HTTP 200 with the probe file written in the front end’s challenge folder';
  const name = 'HTTP challenge path';
  if (!front)
    return {
      name,
      ok: false,
      seen: 'this hosting server’s front end is not run by the platform: not checked',
      expected,
    };
  const token = `dbtools-probe-${randomBytes(12).toString('hex')}`;
  const content = randomBytes(16).toString('hex');
  const file = path.join(webrootOf(server), '.well-known', 'acme-challenge', token);
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, content);
    await chmod(file, 0o644);
    const res = await getThroughFrontEnd(front, domain, `/.well-known/acme-challenge/${token}`);
    const ok = res.status === 200 && res.body.trim() === content;
    const seen = ok
      ? 'HTTP 200 with the probe file'
      : `HTTP ${res.status}${res.status === 200 ? ' but another content (not our front end’s webroot)' : ''}`;
    return {
      name,
      ok,
      seen: `${seen} (http://${front.address}:${front.httpPort}, Host: ${domain})`,
      expected,
    };
  } catch (e) {
    return { name, ok: false, seen: `no answer from the front end: ${(e as Error).message}`, expected };
  } finally {
    await rm(file, { force: true });
  }
}

interface Served {
  subject: string;
  issuer: string;
  validTo: Date;
  names: string[];
}

function commonName(dn: tls.Certificate | undefined): string {
  const cn = dn?.CN;
  return Array.isArray(cn) ? cn.join(', ') : (cn ?? JSON.stringify(dn ?? {}));
}

/**
 * The certificate the front end presents for the name. Not verified against any trust store on
 * purpose, on this one connection only: we want to see what is served, whoever signed it.
 */
function servedCertificate(front: FrontEnd, domain: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      {
        host: front.address,
        port: front.httpsPort,
        servername: domain,
        rejectUnauthorized: false,
        timeout: 5_000,
      },
      () => {
        const cert = socket.getPeerCertificate();
        socket.end();
        if (!cert || !cert.subject) return reject(new Error('no certificate presented'));
        const names = (cert.subjectaltname ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.startsWith('DNS:'))
          .map((s) => s.slice(4).toLowerCase());
        resolve({
          subject: commonName(cert.subject),
          issuer: commonName(cert.issuer),
          validTo: new Date(cert.valid_to),
          names,
        });
      },
    );
    socket.on('timeout', () => socket.destroy(new Error('no TLS handshake within 5 s')));
    socket.on('error', reject);
  });
}

/**
 * A failed handshake in words an agent can act on: Node passes OpenSSL's own strings through
 * ("...:error:0A000410:SSL routines::sslv3 alert handshake failure"), which say nothing to them.
 */
export function describeTlsFailure(err: NodeJS.ErrnoException): string {
  const text = err.message ?? '';
  if (err.code === 'ECONNREFUSED') return 'nothing answers on the front end’s HTTPS port';
  if (err.code === 'ETIMEDOUT' || /within 5 s/.test(text))
    return 'the front end did not complete the handshake within 5 s';
  if (err.code === 'ECONNRESET') return 'the front end closed the connection during the handshake';
  if (/alert handshake failure|unrecognized name|no shared cipher/i.test(text))
    return 'the front end has no certificate for this name: it refused the handshake';
  if (/wrong version number|packet length too long/i.test(text)) return 'the HTTPS port does not speak TLS';
  if (/no certificate presented/.test(text)) return 'the front end presented no certificate';
  return `the handshake failed${err.code ? ` (${err.code})` : ''}`;
}

async function tlsCheck(
  front: FrontEnd | null,
  domain: string,
  now: Date,
): Promise<{ check: DiagnosticCheck; served?: Served }> {
  const expected = `a certificate for ${domain}, from our certificate authority, not expired`;
  const name = 'TLS handshake';
  if (!front)
    return {
      check: {
        name,
        ok: false,
        seen: 'this hosting server’s front end is not run by the platform: not checked',
        expected,
      },
    };
  try {
    const served = await servedCertificate(front, domain);
    const covers = served.names.includes(domain) || served.subject.toLowerCase() === domain;
    const ok = covers && served.validTo > now;
    const seen = `subject ${served.subject}, issuer ${served.issuer}, expires ${served.validTo.toISOString()}${covers ? '' : ` (not for ${domain})`}${served.validTo > now ? '' : ' (expired)'}`;
    return { check: { name, ok, seen, expected }, served };
  } catch (e) {
    return { check: { name, ok: false, seen: describeTlsFailure(e as NodeJS.ErrnoException), expected } };
  }
}

/**
 * Diagnostics of one domain, for information only: what the DNS says, whether CAA lets our CA
 * issue, whether the front end serves the challenge path for the name, what certificate it
 * presents; and the most likely cause in words. Changes nothing but a probe file it removes.
 */
export async function diagnoseDomain(
  app: App,
  row: DomainRow,
  database: string,
  server: HostingServerRow,
): Promise<Diagnosis> {
  const settings = await domainSettings(app);
  const now = app.now();
  const dns = await checkDomainDns(settings, row.domain, database, app.config.platformZone);
  const caa =
    dns.caa ??
    (await checkCaa(row.domain, (n) => lookUpCaa(domainResolver(settings), n), settings.caaIdentities));
  const front = frontEndOf(server);
  const [http01, tlsResult] = await Promise.all([
    httpChallengeCheck(server, front, row.domain),
    tlsCheck(front, row.domain, now),
  ]);
  const recordsOk = dns.status === 'ok' || dns.status === 'caa_blocked';
  const checks: DiagnosticCheck[] = [
    {
      name: 'DNS records (CNAME/A/AAAA)',
      ok: recordsOk,
      seen: describeRecords(dns.records),
      expected: `CNAME ${dns.target} (${describeRecords(dns.targetRecords)})`,
    },
    {
      name: 'CAA',
      ok: caa.allowed,
      seen: caa.seen,
      expected: `no CAA record, or one with issue "${settings.caaIdentities.join('" or "')}"`,
    },
    http01,
    tlsResult.check,
  ];
  return {
    checks,
    verdict: verdict({
      domain: row.domain,
      target: dns.target,
      dnsStatus: dns.status === 'caa_blocked' ? 'ok' : dns.status,
      dnsReason: dns.reason,
      caaOk: caa.allowed,
      caaFailed: !!caa.failure,
      httpOk: http01.ok,
      tlsOk: tlsResult.check.ok,
      certStatus: row.cert_status,
      certReason: row.reason,
      expiresAt: tlsResult.served?.validTo ?? row.expires_at,
    }),
  };
}
