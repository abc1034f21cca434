import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { App } from '../../src/app.js';
import { runPgTool } from '../../src/hosting/backup-pg.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { getConfigParameter } from '../../src/tenant/config-parameters.js';
import { downloadInto, storeKnownHosts, uploadFolder, type SshTarget } from '../../src/upgrades/rsync.js';
import { callAt, type Json } from './http-call.js';
import { UPGRADE_API_KEY } from './env.js';
import { embeddedServer } from './tenants.js';

const run = promisify(execFile);

/** The caller's credentials, as dbtools sends them: the test runs' API key unless a test says otherwise. */
export function apiKeyHeader(key: string | null = UPGRADE_API_KEY): Record<string, string> {
  return key === null ? {} : { authorization: `Bearer ${key}` };
}

/** A JSON-RPC call of the protocol (`/upgrade/request/<method>`), as Odoo's client makes it. */
export async function rpc(base: string, method: string, params: Record<string, unknown>, apiKey?: string | null): Promise<Json> {
  const res = await callAt(base, 'POST', `/upgrade/request/${method}`, {
    body: { jsonrpc: '2.0', method: 'not_used', params, id: 'not_used' },
    headers: apiKeyHeader(apiKey),
  });
  if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The result of a call that must succeed. */
export async function rpcOk(base: string, method: string, params: Record<string, unknown>, apiKey?: string | null): Promise<Json> {
  const body = await rpc(base, method, params, apiKey);
  if (body.error) throw new Error(`${method}: ${body.error.data.name}: ${body.error.data.message}`);
  return body.result;
}

export interface KeyPair {
  dir: string;
  keyFile: string;
  publicKey: string;
}

/** A fresh ed25519 key pair in a folder of its own, as a caller makes one per request. */
export async function sshKeyPair(): Promise<KeyPair> {
  const dir = await mkdtemp(path.join(tmpdir(), 'upgrade-key-'));
  const keyFile = path.join(dir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test@caller', '-f', keyFile]);
  return { dir, keyFile, publicKey: await readFile(`${keyFile}.pub`, 'utf8') };
}

export interface CreatedRequest {
  id: number;
  token: string;
  hostUri: string;
  key: KeyPair;
}

export async function createRequest(base: string, params: Record<string, unknown>, apiKey?: string | null, key?: KeyPair): Promise<CreatedRequest> {
  const pair = key ?? (await sshKeyPair());
  const result = await rpcOk(base, 'create', { aim: 'test', actuator: 'cli', env_vars: [], api_version: '0.2', ssh_key: pair.publicKey, ...params }, apiKey);
  return { id: result.request_id, token: result.token, hostUri: result.assigned_host_uri, key: pair };
}

/** The SSH target of a transfer that `transfer/start` opened. */
export async function transferTarget(req: CreatedRequest, started: Json): Promise<SshTarget> {
  return {
    host: new URL(`https://${req.hostUri}`).hostname.replace(/^\[|\]$/g, ''),
    port: started.ssh_port,
    user: started.ssh_user,
    keyFile: req.key.keyFile,
    knownHostsFile: await storeKnownHosts(req.key.dir, started.known_hosts),
  };
}

/** Uploads a dump folder as Odoo's client does: transfer/start, rsync to /data/origin.dump, transfer/stop. Answers stop's JSON-RPC body. */
export async function uploadDump(base: string, req: CreatedRequest, dumpDir: string): Promise<Json> {
  const started = await rpcOk(base, 'transfer/start', { token: req.token, transfer_type: 'upload' });
  await uploadFolder(await transferTarget(req, started), dumpDir, '/data/origin.dump');
  return rpc(base, 'transfer/stop', { token: req.token });
}

/** Downloads a done request's result into `dest` (upgraded.dump/, filestore/, upgrade-report.html, upgrade.log). */
export async function downloadResult(base: string, req: CreatedRequest, dest: string): Promise<Json> {
  const started = await rpcOk(base, 'transfer/start', { token: req.token, transfer_type: 'download' });
  await mkdir(dest, { recursive: true });
  await downloadInto(
    await transferTarget(req, started),
    [`/data/${started.dump_name}`, '/data/filestore', '/data/upgrade-report.html', '/data/upgrade.log'],
    dest,
  );
  await rpcOk(base, 'transfer/stop', { token: req.token });
  return started;
}

/** The log from byte `offset`, by a Range request as Odoo's client makes it. */
export async function logsFrom(base: string, token: string, offset = 0): Promise<{ status: number; text: string; size: number }> {
  const res = await fetch(`${base}/upgrade/request/logs?token=${encodeURIComponent(token)}`, { headers: { range: `bytes=${offset}-` } });
  return { status: res.status, text: await res.text(), size: Number(res.headers.get('x-upgrade-log-size')) };
}

/** Polls `status` until the request reaches one of `states`. */
export async function waitForState(base: string, token: string, states: string[], timeoutMs = 60_000): Promise<Json> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await rpcOk(base, 'status', { token });
    const state = status.archived ? 'archived' : status.status;
    if (states.includes(state)) return { ...status, state };
    if (Date.now() > until) throw new Error(`request ${status.request_id} still ${state} after ${timeoutMs} ms (wanted ${states.join('/')})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A tenant's real dump as a caller sends it: pg_dump directory format. */
export async function tenantDump(app: App, tenant: DatabaseRow): Promise<{ dir: string; enterpriseCode?: string }> {
  const server = await embeddedServer(app);
  const parent = await mkdtemp(path.join(tmpdir(), 'upgrade-dump-'));
  const dir = path.join(parent, 'origin.dump');
  await runPgTool(server, 'pg_dump', ['--format=directory', '--no-owner', '--file', dir, tenant.name]);
  const enterpriseCode = await app.tenants.withTenant(tenant, (c) => getConfigParameter(c, 'database.enterprise_code'));
  return { dir, enterpriseCode };
}

/** A folder holding the given files (name → content). */
export async function folderOf(members: Record<string, string>): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'upgrade-folder-')), 'origin.dump');
  for (const [name, content] of Object.entries(members)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A JSON-RPC call over HTTPS to the assigned host, trusting only `ca` (Node's fetch takes no CA). */
export function rpcHttps(hostUri: string, ca: Buffer | undefined, method: string, params: Record<string, unknown>): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`https://${hostUri}/upgrade/request/${method}`);
    const req = httpsRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', method: 'not_used', params, id: 'not_used' }));
  });
}
