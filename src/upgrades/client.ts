import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { z } from 'zod';
import { Conflict, DomainError, Invalid, NotAllowed, NotFound, UpstreamFailed } from '../errors.js';

/**
 * The client of the upgrade platform's protocol (docs/upgrade-protocol.md: Odoo's, as its
 * upgrade script speaks it to upgrade.odoo.com): JSON-RPC calls under /upgrade/request/, `create`
 * at the platform's base URL, every later call at `https://<assigned host>` with the request's
 * token; the data moves by rsync over SSH (./rsync.ts). Every answer is parsed with zod, every
 * error becomes one of our error values, so the pipeline reads facts, never raw JSON.
 */

export type PlatformState = 'new' | 'pending' | 'progress' | 'done' | 'failed' | 'cancelled';

/** Our error value for a platform refusal, with the platform's own error name beside it. */
export function platformError(name: string, message: string): DomainError {
  const text = `The upgrade platform refused: ${message}`;
  const e =
    name === 'ContractError' || name === 'ValidationError'
      ? new Invalid(text)
      : name === 'AccessDenied'
        ? new NotAllowed(text)
        : name === 'NotFound'
          ? new NotFound(text)
          : name === 'StateError'
            ? new Conflict(text)
            : new UpstreamFailed(text);
  return Object.assign(e, { platformError: name });
}

export function platformErrorName(e: unknown): string | undefined {
  return (e as { platformError?: string } | null)?.platformError;
}

const rpcError = z.object({
  code: z.number().optional(),
  message: z.string().optional(),
  data: z.object({ name: z.string(), message: z.string() }).partial().optional(),
});
const rpcAnswer = z.object({ result: z.unknown().optional(), error: rpcError.optional() });

const createAnswer = z.object({
  request_id: z.coerce.number().int().positive(),
  token: z.string().min(16),
  assigned_host_uri: z.string().min(1).max(300),
  info: z.string().optional(),
});
const transferAnswer = z.object({
  ssh_port: z.coerce.number().int().min(1).max(65535),
  known_hosts: z.string().max(20_000),
  ssh_user: z.string().min(1).max(64).optional(),
  dump_name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/).optional(),
});
const processAnswer = z.object({ is_pg_version_compatible: z.boolean() });
const platformState = z.enum(['new', 'pending', 'progress', 'done', 'failed', 'cancelled']);
const statusAnswer = z.object({
  status: platformState,
  host_uri: z.string(),
  reason: z.string().nullish(),
  archived: z.boolean().nullish(),
  // Ours, beside the protocol.
  process_date: z.string().nullish(),
  done_date: z.string().nullish(),
});

export interface PlatformStatus {
  state: PlatformState;
  hostUri: string;
  reason: string | null;
  archived: boolean;
  processDate: string | null;
  doneDate: string | null;
}

/** A request on the platform: its id, its token, the host it was assigned. */
export interface PlatformRequest {
  id: number;
  token: string;
  hostUri: string;
}

export interface TransferInfo {
  sshHost: string;
  sshPort: number;
  knownHosts: string;
  /** The SSH login: the platform's word when it says it, else Odoo's default (`odoo`). */
  sshUser: string;
  dumpName?: string;
}

export interface CreateParams {
  /** The tenant's database.enterprise_code ('' when it has none: the platform answers ContractError). */
  contract: string;
  aim: 'test' | 'production';
  target: string;
  /** The public key (the .pub text) whose private half does the transfers. */
  sshKey: string;
  /** Ours, beside the protocol: the platform checks them against the dump. */
  dbuuid: string;
  version: string;
  email?: string;
}

/** Odoo's client logs in as `odoo` unless told otherwise; so does ours when the platform does not say. */
const DEFAULT_SSH_USER = 'odoo';

export class UpgradePlatformClient {
  private readonly ca: string[] | undefined;

  constructor(
    readonly baseUrl: string,
    /** One of the platform's API keys, sent as `Authorization: Bearer` (create needs it). */
    private readonly apiKey: string | undefined,
    /** A CA to trust besides the system's, for the assigned hosts' certificates. */
    caFile?: string,
  ) {
    this.ca = caFile ? [...rootCertificates, readFileSync(caFile, 'utf8')] : undefined;
  }

  private hostUrl(hostUri: string, pathAndQuery: string): URL {
    return new URL(pathAndQuery, `https://${hostUri}/`);
  }

  private baseUrlOf(pathAndQuery: string): URL {
    return new URL(pathAndQuery, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
  }

  /** One HTTP exchange (node's http/https: fetch takes no CA of ours), the body read whole (answers are small). */
  private send(url: URL, method: 'GET' | 'POST', headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(
        url,
        { method, headers: { ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}), ...headers }, timeout: 60_000, ...(this.ca && url.protocol === 'https:' ? { ca: this.ca } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= 2_000_000) chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) => reject(new UpstreamFailed(`The upgrade platform cannot be reached (${e.message}).`)));
      req.end(body);
    });
  }

  private async call<T>(url: URL, method: string, params: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    const res = await this.send(url, 'POST', { 'content-type': 'application/json' }, JSON.stringify({ jsonrpc: '2.0', method: 'not_used', params, id: 'not_used' }));
    let json: unknown;
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      json = undefined;
    }
    const answer = rpcAnswer.safeParse(json);
    if (res.status !== 200 || !answer.success) {
      throw new UpstreamFailed(`The upgrade platform answered ${method} with HTTP ${res.status} and no JSON-RPC answer.`);
    }
    if (answer.data.error) {
      const { data, message } = answer.data.error;
      throw platformError(data?.name ?? 'Error', data?.message ?? message ?? 'no message');
    }
    // Odoo's protocol may also put an error in the result.
    const inResult = z.object({ error: z.string() }).safeParse(answer.data.result);
    if (inResult.success) throw platformError('Error', inResult.data.error);
    const result = schema.safeParse(answer.data.result);
    if (!result.success) throw new UpstreamFailed(`The upgrade platform's answer to ${method} is not what the protocol says.`);
    return result.data;
  }

  private onHost<T>(req: PlatformRequest, method: string, params: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    return this.call(this.hostUrl(req.hostUri, `upgrade/request/${method}`), method, { token: req.token, ...params }, schema);
  }

  async create(params: CreateParams): Promise<PlatformRequest> {
    const { sshKey, ...rest } = params;
    const created = await this.call(
      this.baseUrlOf('upgrade/request/create'),
      'create',
      { ...rest, ssh_key: sshKey, actuator: 'dbtools', env_vars: [], api_version: '0.2' },
      createAnswer,
    );
    return { id: created.request_id, token: created.token, hostUri: created.assigned_host_uri };
  }

  async transferStart(req: PlatformRequest, direction: 'upload' | 'download'): Promise<TransferInfo> {
    const t = await this.onHost(req, 'transfer/start', { transfer_type: direction }, transferAnswer);
    return {
      sshHost: this.hostUrl(req.hostUri, '/').hostname.replace(/^\[|\]$/g, ''),
      sshPort: t.ssh_port,
      knownHosts: t.known_hosts,
      sshUser: t.ssh_user ?? DEFAULT_SSH_USER,
      dumpName: t.dump_name,
    };
  }

  async transferStop(req: PlatformRequest): Promise<void> {
    await this.onHost(req, 'transfer/stop', {}, z.unknown());
  }

  /** Asks for the upgrade; answers whether our pg_restore can read the result (the platform's verdict). */
  async process(req: PlatformRequest): Promise<{ pgCompatible: boolean }> {
    return { pgCompatible: (await this.onHost(req, 'process', {}, processAnswer)).is_pg_version_compatible };
  }

  async status(req: PlatformRequest): Promise<PlatformStatus> {
    const s = await this.onHost(req, 'status', {}, statusAnswer);
    return {
      state: s.status,
      hostUri: s.host_uri,
      reason: s.reason ?? null,
      archived: s.archived ?? false,
      processDate: s.process_date ?? null,
      doneDate: s.done_date ?? null,
    };
  }

  /** The upgrade log from byte `offset` (a Range request); `offset` of the answer is where the next read starts. */
  async logs(req: PlatformRequest, offset: number): Promise<{ data: string; offset: number }> {
    const url = this.hostUrl(req.hostUri, `upgrade/request/logs?token=${encodeURIComponent(req.token)}`);
    const res = await this.send(url, 'GET', { range: `bytes=${offset}-` });
    if (res.status !== 200 && res.status !== 206) throw new UpstreamFailed(`The upgrade platform answered the log with HTTP ${res.status}.`);
    // A 200 to a Range request is the whole log (a server that ignores ranges): what we have is skipped.
    const bytes = res.status === 200 ? res.body.subarray(Math.min(offset, res.body.length)) : res.body;
    return { data: bytes.toString('utf8'), offset: offset + bytes.length };
  }

  /** Ours: withdraws a new or pending request. */
  async cancel(req: PlatformRequest): Promise<void> {
    await this.onHost(req, 'cancel', {}, z.unknown());
  }

  /** Ours: the human page of the request on the platform, the history's link. */
  requestLink(req: PlatformRequest): string {
    return this.hostUrl(req.hostUri, `upgrade/request/page?token=${encodeURIComponent(req.token)}`).href;
  }

  async healthy(): Promise<boolean> {
    try {
      const res = await this.send(this.baseUrlOf('healthz'), 'GET', {});
      return res.status === 200;
    } catch {
      return false;
    }
  }
}
