import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { Conflict, DomainError, Invalid, NotAllowed, NotFound, UpstreamFailed } from '../errors.js';

/**
 * The client of the upgrade platform's protocol (docs/upgrade-protocol.md, modeled on
 * upgrade.odoo.com's /database/v1/ JSON-RPC): every answer is parsed with zod, every error
 * becomes one of our error values, so the pipeline reads facts, never raw JSON.
 */

export type PlatformState = 'new' | 'pending' | 'progress' | 'done' | 'failed' | 'cancelled' | 'archived';

/** The platform's error names (error.data.name), kept on the mapped error for the pipeline. */
export type PlatformErrorName = 'ContractError' | 'ValidationError' | 'AccessDenied' | 'NotFound' | 'StateError';

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

const requestRef = z.object({ id: z.coerce.number().int().positive(), key: z.string().min(1), state: z.string() });
const createAnswer = z.object({ request: requestRef });
const stateAnswer = z.object({ request: z.object({ id: z.coerce.number(), state: z.string() }) });
const uploadAnswer = z.object({
  result: z.object({ request: z.object({ id: z.coerce.number(), state: z.string(), size: z.number() }) }),
});
const platformState = z.enum(['new', 'pending', 'progress', 'done', 'failed', 'cancelled', 'archived']);
const statusAnswer = z.object({
  request: z.object({
    id: z.coerce.number(),
    state: platformState,
    aim: z.string(),
    target: z.string(),
    version: z.string(),
    create_date: z.string().nullable(),
    process_date: z.string().nullable(),
    done_date: z.string().nullable(),
    reason: z.string().nullable(),
    log_size: z.number(),
    archived: z.boolean(),
  }),
});
const logAnswer = z.object({ data: z.string(), offset: z.number().int().min(0) });

export type PlatformStatus = z.infer<typeof statusAnswer>['request'];
export interface PlatformRequest {
  id: number;
  key: string;
}

export interface CreateParams {
  /** The tenant's database.enterprise_code ('' when it has none: the platform answers ContractError). */
  contract: string;
  aim: 'test' | 'production';
  target: string;
  dbuuid: string;
  version: string;
  email?: string;
}

export class UpgradePlatformClient {
  private nextId = 1;

  constructor(
    readonly baseUrl: string,
    /** One of the platform's API keys, sent as `Authorization: Bearer` on every /database/v1 call. */
    private readonly apiKey: string | undefined,
  ) {}

  private get auth(): Record<string, string> {
    return this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {};
  }

  private url(pathAndQuery: string): URL {
    return new URL(pathAndQuery, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
  }

  private async call<T>(method: string, params: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url(`database/v1/${method}`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.auth },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params, id: this.nextId++ }),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (e) {
      throw new UpstreamFailed(`The upgrade platform cannot be reached (${(e as Error).message}).`);
    }
    const body: unknown = await res.json().catch(() => undefined);
    const answer = rpcAnswer.safeParse(body);
    if (!res.ok || !answer.success) {
      throw new UpstreamFailed(`The upgrade platform answered ${method} with HTTP ${res.status} and no JSON-RPC answer.`);
    }
    if (answer.data.error) {
      const { data, message } = answer.data.error;
      throw platformError(data?.name ?? 'Error', data?.message ?? message ?? 'no message');
    }
    const result = schema.safeParse(answer.data.result);
    if (!result.success) throw new UpstreamFailed(`The upgrade platform's answer to ${method} is not what the protocol says.`);
    return result.data;
  }

  async create(params: CreateParams): Promise<PlatformRequest> {
    const { request } = await this.call('create', { ...params }, createAnswer);
    return { id: request.id, key: request.key };
  }

  async process(req: PlatformRequest): Promise<void> {
    await this.call('process', { request: req.id, key: req.key }, stateAnswer);
  }

  async status(req: PlatformRequest): Promise<PlatformStatus> {
    return (await this.call('status', { request: req.id, key: req.key }, statusAnswer)).request;
  }

  /** The upgrade log from byte `offset` (at most 64 KiB a call) and the next offset. */
  log(req: PlatformRequest, offset: number): Promise<{ data: string; offset: number }> {
    return this.call('log', { request: req.id, key: req.key, offset }, logAnswer);
  }

  async cancel(req: PlatformRequest): Promise<void> {
    await this.call('cancel', { request: req.id, key: req.key }, stateAnswer);
  }

  /** Streams a tar of a directory-format dump as the request's upload; answers its size. */
  async upload(req: PlatformRequest, tar: Readable): Promise<number> {
    const { status, body } = await this.stream('PUT', this.transferPath('upload', req), tar);
    const json = await readJson(body);
    if (status !== 200) throw errorFromBody(json, status, 'upload');
    const parsed = uploadAnswer.safeParse(json);
    if (!parsed.success) throw new UpstreamFailed('The upgrade platform answered the upload with an unexpected body.');
    return parsed.data.result.request.size;
  }

  /** The upgraded dump (`dump`) or the filestore additions (`filestore`), each a tar stream. */
  async download(req: PlatformRequest, what: 'dump' | 'filestore'): Promise<Readable> {
    const { status, body } = await this.stream('GET', `${this.transferPath('download', req)}&what=${what}`);
    if (status !== 200) throw errorFromBody(await readJson(body), status, `download of the ${what}`);
    return body;
  }

  /** The human page of the request on the platform: the history's link. */
  requestLink(req: PlatformRequest): string {
    return this.url(`request/${req.id}?key=${encodeURIComponent(req.key)}`).href;
  }

  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(this.url('healthz'), { signal: AbortSignal.timeout(5000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  private transferPath(what: 'upload' | 'download', req: PlatformRequest): string {
    return `database/v1/${what}?request=${req.id}&key=${encodeURIComponent(req.key)}`;
  }

  /** Raw HTTP for the streamed transfers (fetch would buffer or need web streams). */
  private stream(method: 'GET' | 'PUT', pathAndQuery: string, body?: Readable): Promise<{ status: number; body: Readable }> {
    const url = this.url(pathAndQuery);
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(
        url,
        { method, headers: body ? { ...this.auth, 'content-type': 'application/x-tar', 'transfer-encoding': 'chunked' } : this.auth },
        (res) => resolve({ status: res.statusCode ?? 0, body: res }),
      );
      req.on('error', (e) => reject(new UpstreamFailed(`The upgrade platform cannot be reached (${e.message}).`)));
      if (body) {
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      } else {
        req.end();
      }
    });
  }
}

async function readJson(body: Readable): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) break; // an error body is small; anything else is not ours to buffer
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function errorFromBody(json: unknown, status: number, what: string): DomainError {
  const parsed = z.object({ error: rpcError }).safeParse(json);
  if (parsed.success && parsed.data.error.data?.name) {
    return platformError(parsed.data.error.data.name, parsed.data.error.data.message ?? 'no message');
  }
  return new UpstreamFailed(`The upgrade platform answered the ${what} with HTTP ${status}.`);
}
