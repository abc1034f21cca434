import { isIP } from 'node:net';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runChild } from '../hosting/child-process.js';

export interface HostCertificate {
  cert: Buffer;
  key: Buffer;
  /** The CA that signed it, for callers to trust (undefined for a certificate given by the operator). */
  caFile?: string;
}

const exists = (file: string) => access(file).then(() => true, () => false);

async function openssl(args: string[], cwd: string): Promise<void> {
  await runChild('openssl', args, { cwd });
}

/**
 * The assigned host's certificate: the operator's (UPGRADE_PLATFORM_TLS_CERT/_KEY), or one the
 * platform signs for `host` with a CA of its own under `<dataDir>/tls` (made once, kept across
 * starts, so a caller that trusts it once keeps trusting it). Odoo's client speaks only HTTPS to
 * the assigned host, and checks the certificate unless told not to.
 */
export async function hostCertificate(dataDir: string, host: string, given?: { certFile: string; keyFile: string }): Promise<HostCertificate> {
  if (given) return { cert: await readFile(given.certFile), key: await readFile(given.keyFile) };
  const dir = path.join(dataDir, 'tls');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caFile = path.join(dir, 'ca.pem');
  if (!(await exists(caFile)) || !(await exists(path.join(dir, 'ca.key')))) {
    await openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem.partial',
        '-days', '3650', '-subj', '/CN=dbtools upgrade platform CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      dir,
    );
    await rename(path.join(dir, 'ca.pem.partial'), caFile);
  }
  // The host changes from start to start (a loopback address of its own): its certificate is made each time.
  const name = isIP(host) ? `IP:${host}` : `DNS:${host}`;
  await writeFile(
    path.join(dir, 'host.ext'),
    [`subjectAltName=${name}`, 'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid,issuer', ''].join('\n'),
  );
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'host.key', '-out', 'host.csr', '-subj', `/CN=${host}`], dir);
  await openssl(['x509', '-req', '-in', 'host.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '825', '-extfile', 'host.ext', '-out', 'host.pem'], dir);
  await rm(path.join(dir, 'host.csr'), { force: true });
  return { cert: await readFile(path.join(dir, 'host.pem')), key: await readFile(path.join(dir, 'host.key')), caFile };
}
