import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app.js';
import { runPgTool } from '../../src/hosting/backup-pg.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { getConfigParameter } from '../../src/tenant/config-parameters.js';
import { createTar } from '../../src/upgrade-platform/tar.js';
import { callAt, type Json } from './http-call.js';
import { UPGRADE_API_KEY } from './env.js';
import { embeddedServer } from './tenants.js';

/** The caller's credentials, as dbtools sends them: the test runs' API key unless a test says otherwise. */
export function apiKeyHeader(key: string | null = UPGRADE_API_KEY): Record<string, string> {
  return key === null ? {} : { authorization: `Bearer ${key}` };
}

/** The upgrade platform's protocol as a test speaks it (JSON-RPC calls, raw upload, downloads). */
export async function rpc(base: string, method: string, params: Record<string, unknown>, apiKey?: string | null): Promise<Json> {
  const res = await callAt(base, 'POST', `/database/v1/${method}`, {
    body: { jsonrpc: '2.0', method: 'call', params, id: 1 },
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

export async function upload(base: string, id: number, key: string, tar: Buffer, apiKey?: string | null): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}/database/v1/upload?request=${id}&key=${encodeURIComponent(key)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', ...apiKeyHeader(apiKey) },
    body: new Uint8Array(tar),
  });
  return { status: res.status, body: await res.json() };
}

export async function download(base: string, id: number, key: string, what: string, apiKey?: string | null): Promise<{ status: number; body: Buffer; json?: Json }> {
  const res = await fetch(`${base}/database/v1/download?request=${id}&key=${encodeURIComponent(key)}&what=${what}`, {
    headers: apiKeyHeader(apiKey),
  });
  const body = Buffer.from(await res.arrayBuffer());
  const json = res.headers.get('content-type')?.includes('json') ? JSON.parse(body.toString()) : undefined;
  return { status: res.status, body, json };
}

/** Polls `status` until the request reaches one of `states`. */
export async function waitForState(base: string, id: number, key: string, states: string[], timeoutMs = 60_000): Promise<Json> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { request } = await rpcOk(base, 'status', { request: id, key });
    if (states.includes(request.state)) return request;
    if (Date.now() > until) throw new Error(`request ${id} still ${request.state} after ${timeoutMs} ms (wanted ${states.join('/')})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A tenant's real dump as dbtools sends it: pg_dump directory format, tarred with its files at the root. */
export async function tenantDumpTar(app: App, tenant: DatabaseRow): Promise<{ tar: Buffer; enterpriseCode?: string }> {
  const server = await embeddedServer(app);
  const dir = await mkdtemp(path.join(tmpdir(), 'upgrade-dump-'));
  const dumpDir = path.join(dir, 'dump');
  await runPgTool(server, 'pg_dump', ['--format=directory', '--no-owner', '--file', dumpDir, tenant.name]);
  const out = path.join(dir, 'dump.tar');
  await createTar(dumpDir, (await readdir(dumpDir)).sort(), out);
  const enterpriseCode = await app.tenants.withTenant(tenant, (c) => getConfigParameter(c, 'database.enterprise_code'));
  const tar = await readFile(out);
  await rm(dir, { recursive: true, force: true });
  return { tar, enterpriseCode };
}

/** A tar holding the given members (name → content), written by GNU tar from real files. */
export async function tarOf(members: Record<string, string>): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'upgrade-tar-'));
  const root = path.join(dir, 'root');
  await mkdir(root);
  for (const [name, content] of Object.entries(members)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  const out = path.join(dir, 'x.tar');
  await createTar(root, Object.keys(members), out);
  const tar = await readFile(out);
  await rm(dir, { recursive: true, force: true });
  return tar;
}
