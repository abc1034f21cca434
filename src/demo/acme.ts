import { execFile, spawn } from 'node:child_process';
import { access, constants, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import type { App } from '../app.js';
import { publishPlatformHosts } from '../domains/demo-dns.js';
import { saveDemoAcme, type DemoAcme } from '../domains/settings.js';
import { frontEndOf } from '../frontend/index.js';
import { childEnv } from '../hosting/child-process.js';
import { freePort } from '../hosting/cluster.js';
import { findServerById } from '../metabase/repositories/servers.js';
import type { HostingServerRow } from '../metabase/schema.js';

const run = promisify(execFile);

export const PEBBLE_BIN = '/usr/bin/pebble';
export const CHALLTESTSRV_BIN = '/usr/bin/pebble-challtestsrv';
export const PEBBLE_INSTALL_HINT =
  'Custom domains: certificates are not configured. For the demo CA and DNS install pebble (apt-get install pebble), or set DBTOOLS_ACME_DIRECTORY and DBTOOLS_DNS_SERVER.';

/** What `npm start` prints about custom domains' certificates. */
export function demoAcmeLine(running: DemoAcmeRunning | null, config: App['config']): string {
  if (running)
    return `Custom domains: demo CA (pebble) at ${running.settings.acmeDirectory}, demo DNS at ${running.settings.dnsServer}; set records with \`npx dbtools demo dns set <name> CNAME <target>\``;
  if (config.domains.acmeDirectory)
    return `Custom domains: certificates from ${config.domains.acmeDirectory}`;
  return PEBBLE_INSTALL_HINT;
}

export interface DemoAcmeRunning {
  settings: DemoAcme;
  /** pebble's output (its orders show there). */
  pebbleLog: string;
  stop(): Promise<void>;
  /** SIGKILL: a forced stop does not wait for them. */
  kill(): Promise<void>;
}

interface State extends DemoAcme {
  pids: number[];
}

const installed = (file: string) =>
  access(file, constants.X_OK).then(
    () => true,
    () => false,
  );

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Only our own leftover demo processes are ended: the pid must still be pebble's. */
async function endLeftover(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmd.includes('pebble')) return;
  try {
    process.kill(pid, signal);
  } catch {
    return; // gone meanwhile
  }
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

/** The certificate of pebble's own HTTPS listener, made once (pebble ships none in Debian). */
async function listenerCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, 'listener.crt');
  const key = path.join(dir, 'listener.key');
  if (
    !(await access(cert).then(
      () => true,
      () => false,
    ))
  ) {
    await run(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '3650',
        '-subj',
        '/CN=dbtools demo ACME listener',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { timeout: 30_000 },
    );
  }
  return { cert, key };
}

async function answers(url: string, ca?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(url, { ca, timeout: 1_000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

async function managementAnswers(url: string): Promise<boolean> {
  return fetch(new URL('/clear-a', url), {
    method: 'POST',
    body: '{"host":"probe.invalid."}',
    signal: AbortSignal.timeout(1_000),
  }).then(
    (r) => r.ok,
    () => false,
  );
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start`);
}

/**
 * The embedded default's DNS and CA for custom domains: pebble-challtestsrv as the DNS (on a
 * loopback port, defaults off so an unknown name has no record) and pebble as the CA, whose
 * http-01 checks go to the front ends' shared http port and whose DNS is that server. Their
 * addresses are kept in the metabase (the CLI's `demo dns` and every process read them). A
 * server killed without a clean stop leaves them running: the next start takes them over,
 * so an issuance resumed after a crash meets the same CA and the same order.
 */
export async function startDemoAcme(app: App, server: HostingServerRow): Promise<DemoAcmeRunning | null> {
  const c = app.config.domains;
  if (!c.demo || c.acmeDirectory || c.dnsServer) return null;
  if (!(await installed(PEBBLE_BIN)) || !(await installed(CHALLTESTSRV_BIN))) {
    app.log.warn(PEBBLE_INSTALL_HINT);
    await saveDemoAcme(app, null);
    return null;
  }
  // The row as the front end's start left it (its address and ports are assigned there).
  const front = frontEndOf((await findServerById(app.metabase, server.id)) ?? server);
  if (!front) {
    app.log.warn('Custom domains: the demo CA needs the front end (nginx); certificates are not configured.');
    await saveDemoAcme(app, null);
    return null;
  }
  const dir = path.join(app.config.dataDir, 'demo-acme');
  await mkdir(dir, { recursive: true });
  const stateFile = path.join(dir, 'state.json');
  const pebbleLog = path.join(dir, 'pebble.log');
  const previous = await readFile(stateFile, 'utf8').then(
    (t) => JSON.parse(t) as State,
    () => undefined,
  );
  const listener = await listenerCertificate(dir);
  if (
    previous &&
    previous.pids.every(alive) &&
    (await answers(previous.acmeDirectory, await readFile(listener.cert, 'utf8'))) &&
    (await managementAnswers(previous.dnsManagementUrl))
  ) {
    const { pids, ...settings } = previous;
    await saveDemoAcme(app, settings);
    await publishPlatformHosts(app);
    return { settings, pebbleLog, stop: () => stopAll(pids), kill: () => stopAll(pids, 'SIGKILL') };
  }
  for (const pid of previous?.pids ?? []) await endLeftover(pid);

  const [dnsPort, dnsManagementPort, acmePort, acmeManagementPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const dns = spawn(
    CHALLTESTSRV_BIN,
    [
      '-dns01',
      `127.0.0.1:${dnsPort}`,
      '-management',
      `127.0.0.1:${dnsManagementPort}`,
      '-http01',
      '',
      '-https01',
      '',
      '-tlsalpn01',
      '',
      '-defaultIPv4',
      '',
      '-defaultIPv6',
      '',
    ],
    // Long-running and detached (see above), so their own spawns; the runner's base environment.
    { env: childEnv(), stdio: 'ignore', detached: true },
  );
  const config = path.join(dir, 'pebble-config.json');
  await writeFile(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${acmeManagementPort}`,
        certificate: listener.cert,
        privateKey: listener.key,
        httpPort: front.httpPort,
        tlsPort: front.httpsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const log = await open(pebbleLog, 'a');
  const pebble = spawn(PEBBLE_BIN, ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`], {
    // No random sleeps before validating, no nonce rejected on purpose: the demo stays quick.
    env: childEnv({ PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' }),
    stdio: ['ignore', log.fd, log.fd],
    detached: true,
  });
  await log.close();
  // They outlive a crash of this process on purpose (see above); a clean stop ends them.
  dns.unref();
  pebble.unref();
  const pids = [dns.pid!, pebble.pid!];
  const settings: DemoAcme = {
    dnsServer: `127.0.0.1:${dnsPort}`,
    dnsManagementUrl: `http://127.0.0.1:${dnsManagementPort}`,
    acmeDirectory: `https://127.0.0.1:${acmePort}/dir`,
    acmeCaFile: listener.cert,
    acmeManagementUrl: `https://127.0.0.1:${acmeManagementPort}`,
  };
  try {
    const ca = await readFile(listener.cert, 'utf8');
    await waitFor(() => managementAnswers(settings.dnsManagementUrl), 'pebble-challtestsrv');
    await waitFor(() => answers(settings.acmeDirectory, ca), 'pebble');
  } catch (e) {
    await stopAll(pids);
    throw e;
  }
  await writeFile(stateFile, JSON.stringify({ ...settings, pids } satisfies State));
  await saveDemoAcme(app, settings);
  await publishPlatformHosts(app);
  return { settings, pebbleLog, stop: () => stopAll(pids), kill: () => stopAll(pids, 'SIGKILL') };
}

async function stopAll(pids: number[], signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  for (const pid of pids) await endLeftover(pid, signal);
}
