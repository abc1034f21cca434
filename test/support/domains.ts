import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import type { App } from '../../src/app.js';
import { findDomain } from '../../src/metabase/repositories/domains.js';
import type { DomainRow } from '../../src/metabase/schema.js';

/** Waits until the domain's row satisfies `done` (the worker does the work), or fails with its last state. */
export async function waitForDomain(
  app: App,
  domain: string,
  done: (r: DomainRow) => boolean,
  ms = 90_000,
): Promise<DomainRow> {
  const until = Date.now() + ms;
  let row: DomainRow | undefined;
  while (Date.now() < until) {
    row = await findDomain(app.metabase, domain);
    if (row && done(row)) return row;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`domain ${domain} did not reach the expected state; last: ${JSON.stringify(row)}`);
}

/** How many orders pebble has added so far (its log says "Added order … to the db" for each). */
export async function pebbleOrders(logFile: string): Promise<number> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.includes('Added order')).length;
}

/** The subject CN of pebble's current intermediate (the issuer of what it signs), read from its management API. */
export async function pebbleIssuer(managementUrl: string, caFile: string): Promise<string> {
  const ca = await readFile(caFile, 'utf8');
  const pem = await new Promise<string>((resolve, reject) => {
    https
      .get(new URL('/intermediates/0', managementUrl), { ca }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
  return /CN=(.+)/.exec(new X509Certificate(pem).subject)![1].trim();
}

/** What `openssl s_client -servername` sees on the front end: the served certificate's subject and issuer lines. */
export async function sClient(address: string, port: number, servername: string): Promise<string> {
  const child = execFile(
    'openssl',
    ['s_client', '-connect', `${address}:${port}`, '-servername', servername, '-showcerts'],
    { timeout: 15_000 },
  );
  child.stdin!.end();
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  return out;
}

export interface SelfSignedCertificate {
  certFile: string;
  keyFile: string;
  /** The certificate's PEM, which a client trusts as its CA. */
  cert: string;
}

/**
 * A self-signed certificate for `domain`, made by openssl as a CA would hand one over, written as
 * `<dir>/<domain>.crt` and `<dir>/<domain>.key` (the names the ACME job gives them too).
 */
export async function selfSignedCertificate(dir: string, domain: string): Promise<SelfSignedCertificate> {
  await mkdir(dir, { recursive: true });
  const certFile = path.join(dir, `${domain}.crt`);
  const keyFile = path.join(dir, `${domain}.key`);
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${domain}`,
    '-addext',
    `subjectAltName=DNS:${domain}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { certFile, keyFile, cert: await readFile(certFile, 'utf8') };
}
