import path from 'node:path';
import { ConfigError } from '../config/config.js';

/** Everything the upgrade platform is configured with (from its environment, or by a test). */
export interface UpgradePlatformOptions {
  /** Where it listens (UPGRADE_PLATFORM_HOST, default 127.0.0.1; UPGRADE_PLATFORM_PORT, 0 picks one). */
  host: string;
  port: number;
  /** Its own folder: the embedded cluster (pg/), the requests' files (requests/). */
  dataDir: string;
  /** UPGRADE_PLATFORM_PG_URL: an existing cluster (a superuser URL, the path names the platform's database); else its own cluster. */
  pgUrl?: string;
  pgBin?: string;
  /** UPGRADE_PLATFORM_REVOKED_CONTRACTS: subscription codes refused with a ContractError. */
  revokedContracts: ReadonlySet<string>;
  /** UPGRADE_PLATFORM_NO_UPGRADE_PATH: modules whose installation makes an upgrade fail. */
  noUpgradePath: ReadonlySet<string>;
  /** UPGRADE_PLATFORM_ARCHIVE_HOURS: finished requests lose their files after this long (default 24 × 7). */
  archiveHours: number;
  /** UPGRADE_PLATFORM_MS_PER_MB: how long the migration takes per MB of dump (a real upgrade's pace, scaled down). */
  msPerMb: number;
  /**
   * UPGRADE_PLATFORM_API_KEYS (comma-separated, required): the keys a caller presents as
   * `Authorization: Bearer <key>` on every /database/v1 endpoint; several let a key be rotated.
   */
  apiKeys: ReadonlySet<string>;
  /** UPGRADE_PLATFORM_MAX_UPLOAD_MB: the largest dump tar accepted (default 4096). */
  maxUploadBytes: number;
  /** UPGRADE_PLATFORM_MAX_OPEN_PER_CONTRACT: requests of one contract not yet finished (new, pending, progress) at once (default 5). */
  maxOpenPerContract: number;
  /** UPGRADE_PLATFORM_CONTRACT_UPLOAD_MB: what the unfinished requests of one contract may hold in dumps together (default 8192). */
  contractUploadBytes: number;
  /** UPGRADE_PLATFORM_CONCURRENCY: upgrades processed at once (default 1). */
  concurrency: number;
  /**
   * UPGRADE_PLATFORM_ASSIGNED_HOST: the host `create` assigns to a request (`assigned_host_uri`):
   * the caller reaches it at `https://<host>` and over SSH for the transfers. Unset on a loopback
   * platform, a loopback address of its own (127.x.y.z), so several platforms on one machine each
   * have their port 443.
   */
  assignedHost?: string;
  /** UPGRADE_PLATFORM_HTTPS_PORT: the assigned host's HTTPS port (default 443: Odoo's client puts no port in the URL). */
  httpsPort: number;
  /** UPGRADE_PLATFORM_TLS_CERT / _KEY: the assigned host's certificate; unset, one is made under the data folder, signed by a CA of its own. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** UPGRADE_PLATFORM_SSH_PORT: where the transfers' SSH server listens on the assigned host (0: a free port). */
  sshPort: number;
  /**
   * UPGRADE_PLATFORM_SSH_USER: the system user the SSH server runs as, and the login of every
   * transfer. A platform run as root needs one (never root; default `dbtools-upgrade`, which
   * `scripts/system-packages.sh` creates); otherwise it is the platform's own user.
   */
  sshUser?: string;
  /** UPGRADE_PLATFORM_TRANSFER_MINUTES: a transfer not stopped after this long ends by itself (its key stops working). */
  transferMinutes: number;
  /** Tests trade the cluster's durability for speed. */
  durable: boolean;
  logLevel: string;
}

/** An API key shorter than this is guessable. */
const MIN_API_KEY = 16;

export const DEFAULT_NO_UPGRADE_PATH = ['legacy_pos_restaurant_iot'];

function list(v: string | undefined, fallback: string[] = []): Set<string> {
  if (v === undefined) return new Set(fallback);
  return new Set(v.split(',').map((s) => s.trim()).filter(Boolean));
}

function numberEnv(env: NodeJS.ProcessEnv, key: string, fallback: number, opts: { integer?: boolean } = {}): number {
  const v = env[key];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (opts.integer && !Number.isInteger(n))) {
    throw new ConfigError(`${key} must be a ${opts.integer ? 'whole ' : ''}number ≥ 0, got "${v}"`);
  }
  return n;
}

function port443(env: NodeJS.ProcessEnv): number {
  const port = numberEnv(env, 'UPGRADE_PLATFORM_HTTPS_PORT', 443, { integer: true });
  if (port > 65535) throw new ConfigError(`UPGRADE_PLATFORM_HTTPS_PORT must be 0 to 65535, got ${port}`);
  return port;
}

export function upgradePlatformOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): UpgradePlatformOptions {
  const port = numberEnv(env, 'UPGRADE_PLATFORM_PORT', 0, { integer: true });
  if (port > 65535) throw new ConfigError(`UPGRADE_PLATFORM_PORT must be 0 to 65535, got ${port}`);
  const apiKeys = list(env.UPGRADE_PLATFORM_API_KEYS);
  if (apiKeys.size === 0) {
    throw new ConfigError('UPGRADE_PLATFORM_API_KEYS must name at least one key: the platform answers only callers that present one.');
  }
  const weak = [...apiKeys].find((k) => k.length < MIN_API_KEY);
  if (weak !== undefined) throw new ConfigError(`UPGRADE_PLATFORM_API_KEYS: each key must be at least ${MIN_API_KEY} characters.`);
  if (Boolean(env.UPGRADE_PLATFORM_TLS_CERT) !== Boolean(env.UPGRADE_PLATFORM_TLS_KEY)) {
    throw new ConfigError('UPGRADE_PLATFORM_TLS_CERT and UPGRADE_PLATFORM_TLS_KEY go together.');
  }
  const archiveHours = numberEnv(env, 'UPGRADE_PLATFORM_ARCHIVE_HOURS', 24 * 7);
  if (archiveHours <= 0) throw new ConfigError('UPGRADE_PLATFORM_ARCHIVE_HOURS must be above 0');
  return {
    host: env.UPGRADE_PLATFORM_HOST || '127.0.0.1',
    port,
    dataDir: path.resolve(env.UPGRADE_PLATFORM_DATA_DIR || './var/upgrade-platform'),
    pgUrl: env.UPGRADE_PLATFORM_PG_URL || undefined,
    pgBin: env.DBTOOLS_PG_BIN || undefined,
    revokedContracts: list(env.UPGRADE_PLATFORM_REVOKED_CONTRACTS),
    noUpgradePath: list(env.UPGRADE_PLATFORM_NO_UPGRADE_PATH, DEFAULT_NO_UPGRADE_PATH),
    archiveHours,
    msPerMb: numberEnv(env, 'UPGRADE_PLATFORM_MS_PER_MB', 100),
    apiKeys,
    maxUploadBytes: numberEnv(env, 'UPGRADE_PLATFORM_MAX_UPLOAD_MB', 4096) * 1024 * 1024,
    maxOpenPerContract: numberEnv(env, 'UPGRADE_PLATFORM_MAX_OPEN_PER_CONTRACT', 5, { integer: true }),
    contractUploadBytes: numberEnv(env, 'UPGRADE_PLATFORM_CONTRACT_UPLOAD_MB', 8192) * 1024 * 1024,
    concurrency: Math.max(1, numberEnv(env, 'UPGRADE_PLATFORM_CONCURRENCY', 1, { integer: true })),
    assignedHost: env.UPGRADE_PLATFORM_ASSIGNED_HOST || undefined,
    httpsPort: port443(env),
    tlsCertFile: env.UPGRADE_PLATFORM_TLS_CERT || undefined,
    tlsKeyFile: env.UPGRADE_PLATFORM_TLS_KEY || undefined,
    sshPort: numberEnv(env, 'UPGRADE_PLATFORM_SSH_PORT', 0, { integer: true }),
    sshUser: env.UPGRADE_PLATFORM_SSH_USER || undefined,
    transferMinutes: numberEnv(env, 'UPGRADE_PLATFORM_TRANSFER_MINUTES', 60),
    durable: env.UPGRADE_PLATFORM_DURABLE !== '0',
    logLevel: env.LOG_LEVEL || 'info',
  };
}
