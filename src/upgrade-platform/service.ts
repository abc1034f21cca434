import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { z } from 'zod';
import { checkCaller } from './caller.js';
import { checkContract } from './contract.js';
import { PlatformError } from './errors.js';
import { RequestFiles } from './files.js';
import type { UpgradePlatformOptions } from './options.js';
import {
  cancelRequest,
  contractUploadBytes,
  findRequest,
  insertRequest,
  queueRequest,
  withNewRequestLocked,
  type RequestRow,
} from './store.js';
import { checkDumpTar } from './tar.js';
import { upgradePathProblem } from './versions.js';

/** The behaviour behind each endpoint of the protocol; the HTTP layer only parses and answers. */
export class UpgradeService {
  constructor(
    private readonly db: pg.Pool,
    readonly options: UpgradePlatformOptions,
  ) {}

  files(id: number): RequestFiles {
    return new RequestFiles(this.options.dataDir, id);
  }

  async create(input: unknown): Promise<{ request: { id: number; key: string; state: 'new' } }> {
    const params = parseParams(createParams, input);
    checkContract(params.contract, this.options.revokedContracts);
    const problem = upgradePathProblem(params.version, params.target);
    if (problem) throw new PlatformError('ValidationError', problem);
    const key = randomBytes(24).toString('base64url');
    const contract = params.contract!.trim();
    const inserted = await insertRequest(
      this.db,
      {
        key_hash: hashKey(key),
        aim: params.aim,
        contract,
        target: params.target,
        version: params.version,
        dbuuid: params.dbuuid,
        email: params.email ?? null,
      },
      this.options.maxOpenPerContract,
    );
    if ('open' in inserted) {
      throw new PlatformError(
        'ContractError',
        `The contract ${contract} already has ${inserted.open} upgrade requests in progress, the most it may: wait for one to finish, or cancel one.`,
      );
    }
    const row = inserted.row;
    await this.files(row.id).appendLog(`Request created: ${row.version} → ${row.target} (${row.aim})`);
    return { request: { id: row.id, key, state: 'new' } };
  }

  /** Refuses (AccessDenied) a caller without one of the platform's API keys. */
  checkCaller(authorization: string | undefined): void {
    checkCaller(authorization, this.options.apiKeys);
  }

  /** The request, when `key` is its key. An unknown id answers as a wrong key does: ids are not enumerable. */
  async authorized(id: unknown, key: unknown): Promise<RequestRow> {
    const parsed = z.object({ id: z.coerce.number().int().positive().max(2 ** 31 - 1), key: z.string().min(1).max(200) }).safeParse({ id, key });
    if (!parsed.success) throw new PlatformError('AccessDenied', 'Unknown request or wrong key.');
    const row = await findRequest(this.db, parsed.data.id);
    if (!row || !sameHash(hashKey(parsed.data.key), row.key_hash)) {
      throw new PlatformError('AccessDenied', 'Unknown request or wrong key.');
    }
    return row;
  }

  /**
   * Streams the dump tar to disk (at most the upload limit), checks it is a directory-format dump,
   * and puts it in place of any earlier upload while the request is still `new`.
   */
  async upload(id: unknown, key: unknown, body: Readable, declaredLength?: number): Promise<{ request: { id: number; state: 'new'; size: number } }> {
    const row = await this.authorized(id, key);
    if (row.state !== 'new') throw new PlatformError('StateError', `The dump can only be uploaded to a new request; this one is ${row.state}.`);
    // The contract's allowance is shared by its unfinished requests: what the others hold is not this one's.
    const allowance = this.options.contractUploadBytes - (await contractUploadBytes(this.db, row.contract, row.id));
    const tooLarge = () =>
      allowance < this.options.maxUploadBytes ? contractUploadsTooLarge(row.contract, this.options.contractUploadBytes) : new UploadTooLarge(this.options.maxUploadBytes);
    const limit = Math.max(0, Math.min(this.options.maxUploadBytes, allowance));
    if (declaredLength !== undefined && declaredLength > limit) throw tooLarge();
    const files = this.files(row.id);
    await files.ensure();
    const partial = `${files.upload}.${randomBytes(6).toString('hex')}.partial`;
    try {
      let size = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          done(size > limit ? tooLarge() : null, chunk);
        },
      });
      await pipeline(body, counted, createWriteStream(partial, { mode: 0o600 }));
      await checkDumpTar(partial, limit);
      const placed = await withNewRequestLocked(this.db, row.id, async (_row, record, othersBytes) => {
        // Another upload of the contract may have landed meanwhile.
        if (othersBytes + size > this.options.contractUploadBytes) throw contractUploadsTooLarge(row.contract, this.options.contractUploadBytes);
        await rename(partial, files.upload);
        await record(size);
        return true;
      });
      if (!placed) throw new PlatformError('StateError', 'The request left the state new during the upload.');
      await files.appendLog(`Dump uploaded: ${size} bytes`);
      return { request: { id: row.id, state: 'new', size } };
    } finally {
      await rm(partial, { force: true });
    }
  }

  async process(input: unknown): Promise<{ request: { id: number; state: 'pending' } }> {
    const row = await this.authorizedFromParams(input);
    const queued = await queueRequest(this.db, row.id);
    if (!queued) {
      const now = await findRequest(this.db, row.id);
      throw new PlatformError(
        'StateError',
        now?.state === 'new' ? 'Upload the dump before asking to process the request.' : `The request is ${now?.state}: it cannot be processed again.`,
      );
    }
    await this.files(row.id).appendLog('Request queued for processing');
    return { request: { id: row.id, state: 'pending' } };
  }

  async status(input: unknown) {
    const row = await this.authorizedFromParams(input);
    return { request: await this.describe(row) };
  }

  async describe(row: RequestRow) {
    return {
      id: row.id,
      state: row.state,
      aim: row.aim,
      target: row.target,
      version: row.version,
      create_date: row.create_date.toISOString(),
      process_date: row.process_date?.toISOString() ?? null,
      done_date: row.done_date?.toISOString() ?? null,
      reason: row.reason,
      log_size: await this.files(row.id).logSize(),
      archived: row.state === 'archived',
    };
  }

  async log(input: unknown): Promise<{ data: string; offset: number }> {
    const row = await this.authorizedFromParams(input);
    const { offset } = parseParams(z.object({ offset: z.coerce.number().int().min(0).default(0) }), input);
    return this.files(row.id).readLog(offset);
  }

  async cancel(input: unknown): Promise<{ request: { id: number; state: 'cancelled' } }> {
    const row = await this.authorizedFromParams(input);
    const cancelled = await cancelRequest(this.db, row.id);
    if (!cancelled) {
      const now = await findRequest(this.db, row.id);
      throw new PlatformError('StateError', `Only a new or pending request can be cancelled; this one is ${now?.state}.`);
    }
    await this.files(row.id).appendLog('Request cancelled');
    return { request: { id: row.id, state: 'cancelled' } };
  }

  /** The path of a finished request's result tar. */
  async download(id: unknown, key: unknown, what: unknown): Promise<{ file: string; size: number; name: string }> {
    const row = await this.authorized(id, key);
    if (what !== 'dump' && what !== 'filestore') throw new PlatformError('ValidationError', 'what must be "dump" or "filestore".');
    if (row.state === 'archived') throw new PlatformError('NotFound', 'This request is archived: its files were deleted.');
    if (row.state !== 'done') throw new PlatformError('StateError', `Nothing to download: the request is ${row.state}.`);
    const file = this.files(row.id).resultTar(what);
    const st = await stat(file).catch(() => undefined);
    if (!st) throw new PlatformError('NotFound', 'The result files of this request are gone.');
    return { file, size: st.size, name: `upgrade-${row.id}-${what}.tar` };
  }

  private authorizedFromParams(input: unknown): Promise<RequestRow> {
    const params = (input && typeof input === 'object' ? input : {}) as { request?: unknown; key?: unknown };
    return this.authorized(params.request, params.key);
  }
}

export class UploadTooLarge extends Error {
  constructor(limit: number) {
    super(`The upload is larger than ${Math.round(limit / 1048576)} MB.`);
  }
}

/** Megabytes in words: whole ones, or two decimals below ten. */
function megabytes(bytes: number): string {
  const mb = bytes / 1048576;
  return `${mb >= 10 ? Math.round(mb) : Number(mb.toFixed(2))} MB`;
}

/** The contract's allowance of dumps, as a ContractError (the contract's limit, not the transport's). */
function contractUploadsTooLarge(contract: string, allowance: number): PlatformError {
  return new PlatformError(
    'ContractError',
    `The unfinished requests of the contract ${contract} may hold ${megabytes(allowance)} of dumps together; this upload would pass that.`,
  );
}

const createParams = z.object({
  contract: z.string().max(200).nullish(),
  aim: z.enum(['test', 'production']),
  target: z.string().min(1).max(40),
  version: z.string().min(1).max(40),
  dbuuid: z.string().min(1).max(100),
  email: z.string().email().max(254).nullish(),
});

function parseParams<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PlatformError('ValidationError', `Invalid parameter ${issue.path.join('.') || '(params)'}: ${issue.message}`);
  }
  return parsed.data;
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
