import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir } from 'node:fs/promises';
import type pg from 'pg';
import { z } from 'zod';
import { checkCaller } from './caller.js';
import { checkContract } from './contract.js';
import { PlatformError } from './errors.js';
import { RequestFiles } from './files.js';
import { ourPgDumpMajor, takeUpload } from './intake.js';
import type { UpgradePlatformOptions } from './options.js';
import { parsePublicKey } from './ssh-key.js';
import type { SshUser } from './ssh-server.js';
import {
  activeTransfers,
  cancelRequest,
  findRequest,
  findRequestByKeyHash,
  insertRequest,
  queueRequest,
  startTransfer,
  stopTransfer,
  withNewRequestLocked,
  type RequestRow,
} from './store.js';
import { upgradePathProblem } from './versions.js';

/** Where the result dump is, under the download transfer's /data/: a directory-format dump. */
export const RESULT_DUMP_NAME = 'upgraded.dump';

/** What the service needs of the SSH server: who it runs as, how to reach it, and its keys file. */
export interface TransferServer {
  user: SshUser;
  port: number;
  knownHosts: string;
  /** Rewrites the authorized keys from the transfers under way (the database says which). */
  sync(): Promise<void>;
}

/** The behaviour behind each endpoint of the protocol (docs/upgrade-protocol.md); the HTTP layer only parses and answers. */
export class UpgradeService {
  private ourMajor: Promise<number | undefined> | undefined;

  constructor(
    private readonly db: pg.Pool,
    readonly options: UpgradePlatformOptions,
    /** `assigned_host_uri`: the host every call after `create` goes to (`https://<it>`), and the SSH host. */
    readonly assignedHostUri: string,
    private readonly ssh: TransferServer,
  ) {}

  files(id: number): RequestFiles {
    return new RequestFiles(this.options.dataDir, id);
  }

  /** Refuses (AccessDenied) a caller without one of the platform's API keys. */
  checkCaller(authorization: string | undefined): void {
    checkCaller(authorization, this.options.apiKeys);
  }

  /** The expiry of a transfer not stopped, in milliseconds. */
  get transferMs(): number {
    return this.options.transferMinutes * 60_000;
  }

  async create(input: unknown): Promise<{ request_id: number; token: string; assigned_host_uri: string; info?: string }> {
    const params = parseParams(createParams, input);
    checkContract(params.contract, this.options.revokedContracts);
    const sshKey = parsePublicKey(params.ssh_key);
    if (params.version) {
      const problem = upgradePathProblem(params.version, params.target);
      if (problem) throw new PlatformError('ValidationError', problem);
    } else if (upgradePathProblem('16.0', params.target) && upgradePathProblem('17.0', params.target)) {
      // Without the source version (Odoo's client does not send it), the target must at least be one we upgrade to.
      throw new PlatformError('ValidationError', `${params.target.slice(0, 40)} is not a version this platform upgrades to.`);
    }
    const token = randomBytes(32).toString('base64url');
    const contract = params.contract!.trim();
    const inserted = await insertRequest(
      this.db,
      {
        key_hash: hashToken(token),
        aim: params.aim,
        contract,
        target: params.target,
        version: params.version ?? null,
        dbuuid: params.dbuuid ?? null,
        email: params.email ?? null,
        ssh_key: sshKey,
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
    await this.files(row.id).appendLog(`Request created: ${row.version ?? '(version read from the dump)'} → ${row.target} (${row.aim})`);
    const info = params.api_version && params.api_version !== '0.2' ? `This platform speaks API version 0.2, not ${params.api_version.slice(0, 20)}.` : undefined;
    return { request_id: row.id, token, assigned_host_uri: this.assignedHostUri, ...(info ? { info } : {}) };
  }

  /** The request of a token. An unknown token and a malformed one answer alike. */
  async authorized(token: unknown): Promise<RequestRow> {
    const parsed = z.string().min(16).max(200).safeParse(token);
    const row = parsed.success ? await findRequestByKeyHash(this.db, hashToken(parsed.data)) : undefined;
    if (!row) throw new PlatformError('AccessDenied', 'Unknown request token.');
    return row;
  }

  private fromParams(input: unknown): Promise<RequestRow> {
    const params = (input && typeof input === 'object' ? input : {}) as { token?: unknown };
    return this.authorized(params.token);
  }

  /**
   * Opens the request's transfer folder to its key, for rsync over SSH: an upload while the
   * request is new (write-only, to /data/origin<ext>), a download once it is done (read-only).
   */
  async transferStart(input: unknown): Promise<{ ssh_port: number; known_hosts: string; ssh_user: string; dump_name?: string }> {
    const row = await this.fromParams(input);
    const { transfer_type: direction } = parseParams(z.object({ transfer_type: z.enum(['upload', 'download']) }), input);
    if (!row.ssh_key) throw new PlatformError('StateError', 'This request has no SSH key: create a new request.');
    const files = this.files(row.id);
    if (direction === 'upload') {
      if (row.state !== 'new') throw new PlatformError('StateError', `The dump can only be uploaded to a new request; this one is ${row.state}.`);
      await files.ensure();
      await this.ownedBySshUser(files.upload);
      await this.ownedBySshUser(files.uploadData);
    } else {
      if (row.state === 'archived') throw new PlatformError('NotFound', 'This request is archived: its files were deleted.');
      if (row.state !== 'done') throw new PlatformError('StateError', `Nothing to download: the request is ${row.state}.`);
    }
    const started = await startTransfer(this.db, row.id, direction, this.transferMs);
    if ('busy' in started) {
      throw new PlatformError('StateError', 'This SSH key is in a transfer of another request: stop that transfer first, or use another key.');
    }
    await this.ssh.sync();
    await files.appendLog(`Transfer started: ${direction}`);
    return {
      ssh_port: this.ssh.port,
      known_hosts: this.ssh.knownHosts,
      // Ours: the login to use (Odoo's client says `odoo` unless told otherwise with --data-server-user).
      ssh_user: this.ssh.user.name,
      ...(direction === 'download' ? { dump_name: RESULT_DUMP_NAME } : {}),
    };
  }

  /** Closes the transfer (the key stops working); an upload's dump is taken and checked then. */
  async transferStop(input: unknown): Promise<{ transfer: null; size?: number }> {
    const row = await this.fromParams(input);
    const wasUpload = row.transfer === 'upload';
    await stopTransfer(this.db, row.id);
    await this.ssh.sync();
    if (!wasUpload || row.state !== 'new') return { transfer: null };
    const size = await this.take(row);
    return { transfer: null, size };
  }

  /** The upload moved out of the caller's reach, checked, and counted against its contract's allowance. */
  private async take(row: RequestRow): Promise<number> {
    const files = this.files(row.id);
    const limit = Math.min(this.options.maxUploadBytes, this.options.contractUploadBytes);
    const taken = await takeUpload(files, limit);
    this.ourMajor ??= ourPgDumpMajor().catch(() => undefined);
    const ours = await this.ourMajor;
    const compatible = !ours || !taken.pgDumpMajor || taken.pgDumpMajor >= ours;
    const placed = await withNewRequestLocked(this.db, row.id, async (_row, record, othersBytes) => {
      // The contract's allowance is shared by its unfinished requests.
      if (othersBytes + taken.bytes > this.options.contractUploadBytes) {
        throw contractUploadsTooLarge(row.contract, this.options.contractUploadBytes);
      }
      await record(taken.bytes, compatible);
      return true;
    }).catch(async (e: unknown) => {
      await files.archiveOrigin();
      throw e;
    });
    if (!placed) throw new PlatformError('StateError', 'The request left the state new during the upload.');
    await files.appendLog(`Dump uploaded: ${taken.bytes} bytes`);
    return taken.bytes;
  }

  async process(input: unknown): Promise<{ is_pg_version_compatible: boolean; state: 'pending' | 'progress' | 'done' }> {
    let row = await this.fromParams(input);
    if (row.state === 'new' && row.transfer === 'upload') {
      await this.transferStop(input);
      row = (await findRequest(this.db, row.id))!;
    }
    if (row.state === 'pending' || row.state === 'progress' || row.state === 'done') {
      // Odoo's client asks again when it resumes a request it had sent: the same answer.
      return { is_pg_version_compatible: row.pg_compatible ?? true, state: row.state };
    }
    const queued = await queueRequest(this.db, row.id);
    if (!queued) {
      const now = await findRequest(this.db, row.id);
      throw new PlatformError(
        'StateError',
        now?.state === 'new' ? 'Upload the dump before asking to process the request.' : `The request is ${now?.state}: it cannot be processed again.`,
      );
    }
    await this.files(row.id).appendLog('Request queued for processing');
    return { is_pg_version_compatible: queued.pg_compatible ?? true, state: 'pending' };
  }

  async status(input: unknown) {
    return this.describe(await this.fromParams(input));
  }

  /** The protocol's status (`status`, `host_uri`, `reason`, `archived`), and ours beside it. */
  async describe(row: RequestRow) {
    return {
      status: row.state === 'archived' ? (row.archived_from ?? 'archived') : row.state,
      host_uri: this.assignedHostUri,
      reason: row.reason,
      archived: row.state === 'archived',
      request_id: row.id,
      aim: row.aim,
      target: row.target,
      version: row.version,
      create_date: row.create_date.toISOString(),
      process_date: row.process_date?.toISOString() ?? null,
      done_date: row.done_date?.toISOString() ?? null,
      log_size: await this.files(row.id).logSize(),
      transfer: row.transfer,
    };
  }

  /** The log from byte `offset` (a Range header's start), at most 64 KiB, and the log's size. */
  async logs(token: unknown, offset: number): Promise<{ data: Buffer; offset: number; size: number }> {
    const row = await this.authorized(token);
    const files = this.files(row.id);
    const size = await files.logSize();
    const { bytes } = await files.readLogBytes(offset);
    return { data: bytes, offset, size };
  }

  async cancel(input: unknown): Promise<{ status: 'cancelled' }> {
    const row = await this.fromParams(input);
    const cancelled = await cancelRequest(this.db, row.id);
    if (!cancelled) {
      const now = await findRequest(this.db, row.id);
      throw new PlatformError('StateError', `Only a new or pending request can be cancelled; this one is ${now?.state}.`);
    }
    await this.ssh.sync();
    await this.files(row.id).archiveOrigin();
    await this.files(row.id).appendLog('Request cancelled');
    return { status: 'cancelled' };
  }

  /** The authorized keys as the database says: rewritten at start, after each change, and as transfers expire. */
  async grants() {
    const rows = await activeTransfers(this.db, this.transferMs);
    return rows
      .filter((r) => r.ssh_key)
      .map((r) => {
        const files = this.files(r.id);
        return { key: r.ssh_key, dir: r.transfer === 'upload' ? files.upload : files.download, direction: r.transfer! };
      });
  }

  private async ownedBySshUser(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (process.getuid?.() === 0) await chown(dir, this.ssh.user.uid, this.ssh.user.gid);
    await chmod(dir, 0o700);
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
  ssh_key: z.string().max(20_000),
  actuator: z.string().max(40).nullish(),
  env_vars: z.array(z.string().max(2000)).max(100).nullish(),
  api_version: z.string().max(20).nullish(),
  // Ours, beside Odoo's protocol: what the caller knows of the database (checked against the dump).
  version: z.string().min(1).max(40).nullish(),
  dbuuid: z.string().min(1).max(100).nullish(),
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

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
