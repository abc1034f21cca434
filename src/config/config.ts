import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { isHostName } from '../frontend/host-name.js';
import { DEFAULT_CONNECTIONS_PER_SERVER, MAX_CONNECTIONS_PER_SERVER } from '../tenant/server-connections.js';
import { DEFAULT_ACCESS_MAP, DEFAULT_LEVELS, DEFAULT_LIMITS, type LevelLimits } from './defaults.js';
import {
  DEFAULT_EMAIL_AUTO_RAISE,
  emailAutoRaiseFileSchema,
  type EmailAutoRaisePolicy,
} from '../policy/email-auto-raise.js';
import { DEFAULT_EMAIL_BADGE, emailBadgeFileSchema, type EmailBadgePolicy } from '../policy/email-badge.js';

const levelLimits = z.object({
  trialDays: z.number().int().min(0),
  emailLimit: z.number().int().min(0),
  duplicateLimit: z.number().int().min(0).nullable(),
  duplicateExtensionDays: z.number().min(0),
});

const absolutePath = z.string().refine((p) => path.isAbsolute(p), 'must be an absolute path');

/** The deployed checkouts of a hosting server, by name (src/git/status-schema.ts lists them by these keys). */
export const gitRepoPaths = z
  .object({
    odoo: absolutePath,
    enterprise: absolutePath,
    'design-themes': absolutePath,
    internal: absolutePath,
  })
  .partial()
  .strict();

const hostingServer = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/),
  /** postgres://user:password@host:port — a real external cluster. */
  url: z.string().url(),
  filestoreRoot: z.string(),
  backupRoot: z.string(),
  logDir: z.string(),
  configDir: z.string(),
  /** The deployed checkouts whose git status the Tools page shows; a repository left out shows as not configured. */
  gitRepos: gitRepoPaths.optional(),
  /**
   * Per Odoo series, the addons path of the Odoo this server runs (absolute folders, in Odoo's
   * order; Odoo's own odoo/addons included): copies are neutralized by its modules' own
   * data/neutralize.sql. A series left out uses DBTOOLS_ODOO_SOURCES, else dbtools' ported rules.
   */
  odooAddonsPaths: z.partialRecord(z.enum(['16.0', '17.0', '18.0']), z.array(absolutePath).min(1)).optional(),
});

const fileSchema = z
  .object({
    levels: z.record(z.string().regex(/^\d+$/), z.string().min(1)).optional(),
    accessMap: z.record(z.string(), z.number().int().min(0)).optional(),
    limits: z.record(z.string().regex(/^\d+$/), levelLimits).optional(),
    servers: z.array(hostingServer).optional(),
    dropDelayDays: z.number().positive().optional(),
    duplicateDropWeight: z.number().min(0).max(1).optional(),
    emailBadge: emailBadgeFileSchema.optional(),
    emailAutoRaise: emailAutoRaiseFileSchema.optional(),
    backups: z
      .object({
        cron: z.string().min(9).optional(),
        retention: z
          .object({
            daily: z.number().int().min(0),
            weekly: z.number().int().min(0),
            monthly: z.number().int().min(0),
          })
          .optional(),
        manualPerDay: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    dumpLinkHours: z.number().positive().optional(),
    importMaxMegabytes: z.number().int().positive().optional(),
    duplicateTemplateMaxMB: z.number().min(0).optional(),
    moveKeepSourceHours: z.number().min(0).optional(),
    tenantConnections: z.number().int().min(1).max(MAX_CONNECTIONS_PER_SERVER).optional(),
    logs: z
      .object({
        writer: z.boolean().optional(),
        linesPerMinute: z.number().positive().optional(),
        historyLinesPerDay: z.number().int().min(0).optional(),
        rotationCron: z.string().min(9).optional(),
        tailsPerAgent: z.number().int().min(0).optional(),
        tailsTotal: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type HostingServerConfig = z.infer<typeof hostingServer>;

export interface Config {
  dataDir: string;
  host: string;
  port: number;
  pgBin?: string;
  pgPort?: number;
  metabaseUrl?: string;
  demoPassword?: string;
  sessionIdleMinutes: number;
  logLevel: string;
  smtpUrl?: string;
  publicUrl?: string;
  /**
   * Fastify's trustProxy (DBTOOLS_TRUST_PROXY): `true`, or the proxies' addresses / CIDRs (comma-separated).
   * Trusted, X-Forwarded-For gives the client address (login limits) and X-Forwarded-Proto
   * https makes the session cookie Secure. Unset, forwarded headers are ignored.
   */
  trustProxy: boolean | string[];
  /** Hosted databases answer at `<database host>.<zone>` (DBTOOLS_PLATFORM_ZONE): links to them are built from it. */
  platformZone: string;
  /**
   * The platform hosts (`<database>.<zone>`) answer HTTPS (DBTOOLS_PLATFORM_HTTPS=1): a TLS
   * terminator with the zone's wildcard certificate sits in front of the front ends. Off by
   * default, as the front ends dbtools writes serve those hosts over plain HTTP (only custom
   * domains with a certificate get TLS): a link to them then says http://.
   */
  platformHttps: boolean;
  /** Days an API token lives when its creator does not say (DBTOOLS_TOKEN_DAYS). */
  tokenDays: number;
  levels: Record<number, string>;
  accessMap: Record<string, number>;
  limits: Record<number, LevelLimits>;
  servers: HostingServerConfig[];
  /**
   * DBTOOLS_ODOO_SOURCES: a folder of Odoo trees (`17.0/odoo-bin`) or of their archives
   * (`odoo-17.0.tar.zst`, unpacked once into the data folder): the Odoo a server with no
   * `odooAddonsPaths` for a series runs, for neutralizing copies as Odoo does.
   */
  odooSources?: string;
  /**
   * DBTOOLS_ODOO_DEMO_MODULES: the apps Odoo installs in the demo's Odoo-made databases (comma
   * separated); unset, a small company's usual apps. Tests name a smaller set: the mechanism is
   * the same, and Odoo's install of 78 modules costs minutes on 2 cores.
   */
  odooDemoModules?: string[];
  dropDelayDays: number;
  duplicateDropWeight: number;
  backups: BackupConfig;
  /** How long a dump's download link (and the file) lives. */
  dumpLinkHours: number;
  /** Largest zip `import-dump` accepts. */
  importMaxBytes: number;
  /**
   * A duplicate copies databases up to this size with CREATE DATABASE … TEMPLATE (fast, but the
   * source accepts no session meanwhile) and larger ones with an online dump/restore.
   */
  duplicateTemplateMaxBytes: number;
  /**
   * How long a moved database's source copy is kept, read-only, as a rollback before the reaper
   * removes it (DBTOOLS_MOVE_KEEP_SOURCE_HOURS).
   */
  moveKeepSourceHours: number;
  /**
   * Most connections the console keeps open to one hosting server, idle ones included, shared
   * by all its databases (least recently used ones give way): 1 to MAX_CONNECTIONS_PER_SERVER.
   */
  tenantConnections: number;
  logs: LogsConfig;
  relay: RelayConfig;
  /** The e-mail trust badge's thresholds and weights (policy file `emailBadge`). */
  emailBadge: EmailBadgePolicy;
  /** The nightly automatic raise/lower of e-mail limits (policy file `emailAutoRaise`). */
  emailAutoRaise: EmailAutoRaisePolicy;
  /**
   * DBTOOLS_UPGRADE_URL: the upgrade platform dbtools sends upgrade requests to (its base URL).
   * Unset, `npm start` runs one of its own on loopback (`dbtools upgrade-platform`) and sets it.
   */
  upgradeUrl?: string;
  /**
   * DBTOOLS_UPGRADE_API_KEY: the key dbtools presents to the upgrade platform (one of its
   * UPGRADE_PLATFORM_API_KEYS); needed with DBTOOLS_UPGRADE_URL. Unset, `npm start` makes one
   * for the platform it runs itself.
   */
  upgradeApiKey?: string;
  /**
   * DBTOOLS_UPGRADE_CA_FILE: a CA to trust, besides the system's, for the platform's assigned
   * hosts (HTTPS); `npm start` sets it to the CA of the platform it runs.
   */
  upgradeCaFile?: string;
  domains: DomainsConfig;
  upgrades: UpgradesConfig;
  audit: AuditConfig;
}

/**
 * The support history's anchor outside the metabase (src/audit): the key its hashes are signed
 * with and the file its heads are published to. Neither may be writable by whoever can write the
 * metabase; the key is never stored there.
 */
export interface AuditConfig {
  /**
   * DBTOOLS_AUDIT_KEY (32 characters at least): the operator's key, the same for every process of
   * the platform. Unset, a key is generated once in `keyFile`.
   */
  key?: string;
  /** `<dataDir>/audit/key`: the generated key (mode 0600), when DBTOOLS_AUDIT_KEY is unset. */
  keyFile: string;
  /** DBTOOLS_AUDIT_HEADS_FILE (default `<dataDir>/audit/heads.log`): append-only, one signed head a line. */
  headsFile: string;
}

/** The smallest DBTOOLS_AUDIT_KEY: guessing it must be out of reach, as for a generated 256-bit key. */
export const AUDIT_KEY_MIN_LENGTH = 32;

function auditConfig(env: NodeJS.ProcessEnv, dataDir: string): AuditConfig {
  const key = env.DBTOOLS_AUDIT_KEY || undefined;
  if (key !== undefined && key.length < AUDIT_KEY_MIN_LENGTH) {
    throw new ConfigError(
      `DBTOOLS_AUDIT_KEY must be ${AUDIT_KEY_MIN_LENGTH} characters at least, got ${key.length}`,
    );
  }
  // Read once, then out of the environment: no child process (PostgreSQL, pg_dump, the upgrade
  // platform) inherits it, and a superuser's COPY … TO PROGRAM 'env' cannot read it there.
  if (env === process.env) delete process.env.DBTOOLS_AUDIT_KEY;
  return {
    key,
    keyFile: path.join(dataDir, 'audit', 'key'),
    headsFile: path.resolve(env.DBTOOLS_AUDIT_HEADS_FILE || path.join(dataDir, 'audit', 'heads.log')),
  };
}

/** Upgrade requests and the rolling release (src/upgrades). */
export interface UpgradesConfig {
  /**
   * The Odoo versions a database can be upgraded to, majors and `saas~` releases
   * (DBTOOLS_UPGRADE_CATALOG, comma-separated); targets are those above the database's.
   */
  catalog: string[];
  /** Above this filestore size, Production upgrades need level 4 (DBTOOLS_UPGRADE_FILESTORE_WARNING_MB). */
  filestoreWarningBytes: number;
  /** How often the pipeline asks the platform how a request is doing (DBTOOLS_UPGRADE_POLL_MS, default 5 s). */
  pollMs: number;
  /** Crontab fields (UTC) of the nightly schedule that queues and starts rolling releases. */
  rollingReleaseCron: string;
  /** The night window (UTC hours, start inclusive, end exclusive) in which rolling releases run. */
  nightWindow: { startHour: number; endHour: number };
  /** Rolling releases running at once per hosting server. */
  rollingPerServer: number;
}

/** The Odoo versions the platform hosts, oldest first, as upgrade targets. */
export const DEFAULT_UPGRADE_CATALOG = [
  '16.0',
  '17.0',
  'saas~17.1',
  'saas~17.2',
  'saas~17.3',
  'saas~17.4',
  '18.0',
];

function upgradesConfig(env: NodeJS.ProcessEnv): UpgradesConfig {
  const catalog = env.DBTOOLS_UPGRADE_CATALOG
    ? env.DBTOOLS_UPGRADE_CATALOG.split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : DEFAULT_UPGRADE_CATALOG;
  const bad = catalog.find((v) => !/^(saas~)?\d+\.\d+$/.test(v));
  if (bad)
    throw new ConfigError(`DBTOOLS_UPGRADE_CATALOG: "${bad}" is not an Odoo version like 17.0 or saas~17.2`);
  const startHour = intEnv(env, 'DBTOOLS_UPGRADE_NIGHT_START_HOUR') ?? 1;
  const endHour = intEnv(env, 'DBTOOLS_UPGRADE_NIGHT_END_HOUR') ?? 5;
  if (startHour > 23 || endHour > 24) throw new ConfigError('The upgrade night window hours must be 0 to 24');
  return {
    catalog,
    filestoreWarningBytes: (intEnv(env, 'DBTOOLS_UPGRADE_FILESTORE_WARNING_MB') ?? 20_480) * 1024 * 1024,
    pollMs: intEnv(env, 'DBTOOLS_UPGRADE_POLL_MS') ?? 5000,
    // Every 10 minutes: the run inside the window queues (once a night) and starts what fits.
    rollingReleaseCron: env.DBTOOLS_ROLLING_RELEASE_CRON || '*/10 * * * *',
    nightWindow: { startHour, endHour },
    rollingPerServer: Math.max(1, intEnv(env, 'DBTOOLS_ROLLING_RELEASE_PER_SERVER') ?? 2),
  };
}

/**
 * Custom domains: the resolver we check records with and the ACME CA we order certificates
 * from. Unset, the embedded default uses its demo DNS and CA (pebble) when they run.
 */
export interface DomainsConfig {
  /** DBTOOLS_DNS_SERVER (host:port): the resolver asked for customers' records; unset, the system's. */
  dnsServer?: string;
  /** DBTOOLS_ACME_DIRECTORY: the CA's ACME directory URL (https://acme-v02.api.letsencrypt.org/directory). */
  acmeDirectory?: string;
  /** DBTOOLS_ACME_CA_FILE: extra CA certificates (PEM) trusted for the ACME directory's HTTPS only. */
  acmeCaFile?: string;
  /** DBTOOLS_ACME_EMAIL: the account's contact, told about expiring certificates by some CAs. */
  acmeEmail?: string;
  /** DBTOOLS_ACME_CAA (comma-separated): the CA's CAA identifiers; a CAA `issue` for none of them blocks issuance. */
  caaIdentities: string[];
  /** DBTOOLS_DEMO_ACME=0: the embedded default does not start its demo DNS and CA. */
  demo: boolean;
}

function domainsConfig(env: NodeJS.ProcessEnv): DomainsConfig {
  const dnsServer = env.DBTOOLS_DNS_SERVER || undefined;
  if (dnsServer && !/^(\[[0-9a-f:]+\]|[0-9.]+)(:\d{1,5})?$/i.test(dnsServer)) {
    throw new ConfigError(
      `DBTOOLS_DNS_SERVER must be an address with an optional port (127.0.0.1:53), got "${dnsServer}"`,
    );
  }
  const acmeDirectory = env.DBTOOLS_ACME_DIRECTORY || undefined;
  if (acmeDirectory && !/^https?:\/\//.test(acmeDirectory)) {
    throw new ConfigError(`DBTOOLS_ACME_DIRECTORY must be the CA's directory URL, got "${acmeDirectory}"`);
  }
  return {
    dnsServer,
    acmeDirectory,
    acmeCaFile: env.DBTOOLS_ACME_CA_FILE || undefined,
    acmeEmail: env.DBTOOLS_ACME_EMAIL || undefined,
    caaIdentities: (env.DBTOOLS_ACME_CAA || 'letsencrypt.org')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
    demo: env.DBTOOLS_DEMO_ACME !== '0',
  };
}

/** The platform's outgoing SMTP relay and its bounce endpoint (src/mail/relay, src/mail/bounces). */
export interface RelayConfig {
  /** Where the relay listens, and the host tenants are told to use (DBTOOLS_RELAY_HOST). */
  host: string;
  /** DBTOOLS_RELAY_PORT; 0 picks a free port at each start (tenants are re-wired to it). */
  port: number;
  /** DBTOOLS_BOUNCE_PORT: the inbound SMTP endpoint for bounces and complaints; 0 picks a free port. */
  bouncePort: number;
  /** DBTOOLS_BOUNCE_DOMAIN: the domain of the VERP envelope senders (bounce+<database>@domain). */
  bounceDomain: string;
  /** DBTOOLS_EMAIL_DAY_START_HOUR: the UTC hour at which the daily counts start again. */
  dayStartHour: number;
  /**
   * The embedded default's demo traffic through the relay (never in tests): DBTOOLS_DEMO_MAIL=0
   * turns it off; DBTOOLS_DEMO_MAIL_INTERVAL is the seconds between two rounds of sends.
   */
  demoTraffic: { enabled: boolean; intervalSeconds: number };
}

/** Technical logs: the embedded default's Odoo-like writer and the daily rotation. */
export interface LogsConfig {
  /** The embedded default runs an Odoo-like log writer per hosting server (never in tests). */
  writer: boolean;
  linesPerMinute: number;
  /** Lines per day of the 10 days of history written at first start. */
  historyLinesPerDay: number;
  /** Crontab time fields (UTC) of the daily rotation. */
  rotationCron: string;
  /** Live tails one agent may follow at once (DBTOOLS_LOG_TAILS_PER_AGENT, default 4; 0 turns live tails off). */
  tailsPerAgent: number;
  /** Live tails this process serves at once, all agents together (DBTOOLS_LOG_TAILS_TOTAL, default 40). */
  tailsTotal: number;
}

export interface BackupConfig {
  /** Crontab fields of the automatic backups (DBTOOLS_BACKUP_CRON). */
  cron: string;
  /** How many of each automatic kind to keep; each is also bounded by age (days, weeks, months). */
  retention: { daily: number; weekly: number; monthly: number };
  manualPerDay: number;
}

function retentionEnv(env: NodeJS.ProcessEnv): BackupConfig['retention'] | undefined {
  const v = env.DBTOOLS_BACKUP_RETENTION;
  if (!v) return undefined;
  const m = /^(\d+),(\d+),(\d+)$/.exec(v.replace(/\s/g, ''));
  if (!m)
    throw new ConfigError(
      `DBTOOLS_BACKUP_RETENTION must be "daily,weekly,monthly" counts like 7,4,3; got "${v}"`,
    );
  return { daily: Number(m[1]), weekly: Number(m[2]), monthly: Number(m[3]) };
}

export class ConfigError extends Error {}

function readConfigFile(file: string): z.infer<typeof fileSchema> {
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new ConfigError(`Cannot read DBTOOLS_CONFIG ${file}: ${(e as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // An unknown key is reported on its parent: name the key itself.
    const key = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])].join(
      '.',
    );
    throw new ConfigError(`Invalid DBTOOLS_CONFIG ${file}: key "${key}": ${issue.message}`);
  }
  return parsed.data;
}

function tenantConnections(env: NodeJS.ProcessEnv, fromFile: number | undefined): number {
  const n = intEnv(env, 'DBTOOLS_TENANT_CONNECTIONS') ?? fromFile ?? DEFAULT_CONNECTIONS_PER_SERVER;
  if (n < 1 || n > MAX_CONNECTIONS_PER_SERVER) {
    throw new ConfigError(
      `DBTOOLS_TENANT_CONNECTIONS must be between 1 and ${MAX_CONNECTIONS_PER_SERVER}, got ${n}`,
    );
  }
  return n;
}

function upgradeApiKey(env: NodeJS.ProcessEnv): string | undefined {
  const key = env.DBTOOLS_UPGRADE_API_KEY?.trim() || undefined;
  if (env.DBTOOLS_UPGRADE_URL && !key) {
    throw new ConfigError(
      'DBTOOLS_UPGRADE_API_KEY is needed with DBTOOLS_UPGRADE_URL: the upgrade platform answers only callers with its key.',
    );
  }
  return key;
}

function intEnv(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${key} must be a whole number, got "${v}"`);
  return n;
}

function trustProxyEnv(v: string | undefined): Config['trustProxy'] {
  if (!v || v === 'false' || v === '0') return false;
  if (v === 'true') return true;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function onOffEnv(env: NodeJS.ProcessEnv, key: string): boolean {
  const v = env[key];
  if (v === undefined || v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw new ConfigError(`${key} must be 1 or 0, got "${v}"`);
}

function odooModulesEnv(v: string | undefined): string[] | undefined {
  if (!v) return undefined;
  const modules = v.split(',').map((m) => m.trim());
  // Module names reach odoo-bin's -i: Odoo's own technical names only.
  const bad = modules.find((m) => !/^[a-z0-9_]{1,64}$/.test(m));
  if (bad !== undefined)
    throw new ConfigError(`DBTOOLS_ODOO_DEMO_MODULES must list Odoo module names, got "${bad}"`);
  return modules;
}

function zoneEnv(v: string | undefined): string {
  const zone = (v || 'dbtools.test').toLowerCase().replace(/\.$/, '');
  if (!isHostName(zone)) throw new ConfigError(`DBTOOLS_PLATFORM_ZONE must be a DNS name, got "${v}"`);
  return zone;
}

function numericKeys<T>(rec: Record<string, T>): Record<number, T> {
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [Number(k), v]));
}

function relayConfig(env: NodeJS.ProcessEnv): RelayConfig {
  const dayStartHour = intEnv(env, 'DBTOOLS_EMAIL_DAY_START_HOUR') ?? 0;
  if (dayStartHour > 23)
    throw new ConfigError(`DBTOOLS_EMAIL_DAY_START_HOUR must be 0 to 23, got ${dayStartHour}`);
  return {
    host: env.DBTOOLS_RELAY_HOST || '127.0.0.1',
    port: intEnv(env, 'DBTOOLS_RELAY_PORT') ?? 0,
    bouncePort: intEnv(env, 'DBTOOLS_BOUNCE_PORT') ?? 0,
    bounceDomain: env.DBTOOLS_BOUNCE_DOMAIN || 'bounces.dbtools.localhost',
    dayStartHour,
    demoTraffic: {
      enabled: env.DBTOOLS_DEMO_MAIL !== '0',
      intervalSeconds: Math.max(1, intEnv(env, 'DBTOOLS_DEMO_MAIL_INTERVAL') ?? 30),
    },
  };
}

/** Twelve-factor: everything from the environment, the policy from an optional file. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const file = env.DBTOOLS_CONFIG ? readConfigFile(env.DBTOOLS_CONFIG) : {};
  const accessMap = { ...DEFAULT_ACCESS_MAP, ...(file.accessMap ?? {}) };
  const unknownKey = Object.keys(file.accessMap ?? {}).find((k) => !(k in DEFAULT_ACCESS_MAP));
  if (unknownKey)
    throw new ConfigError(`Invalid DBTOOLS_CONFIG: key "accessMap.${unknownKey}" is not an operation key`);
  const dataDir = path.resolve(env.DBTOOLS_DATA_DIR ?? './var');
  return {
    dataDir,
    host: env.HOST ?? '127.0.0.1',
    port: intEnv(env, 'PORT') ?? 8080,
    pgBin: env.DBTOOLS_PG_BIN || undefined,
    pgPort: intEnv(env, 'DBTOOLS_PG_PORT'),
    metabaseUrl: env.DBTOOLS_METABASE_URL || undefined,
    demoPassword: env.DBTOOLS_DEMO_PASSWORD || undefined,
    sessionIdleMinutes: intEnv(env, 'DBTOOLS_SESSION_IDLE_MINUTES') ?? 60,
    logLevel: env.LOG_LEVEL ?? 'info',
    smtpUrl: env.DBTOOLS_SMTP_URL || undefined,
    publicUrl: env.DBTOOLS_PUBLIC_URL || undefined,
    trustProxy: trustProxyEnv(env.DBTOOLS_TRUST_PROXY),
    platformZone: zoneEnv(env.DBTOOLS_PLATFORM_ZONE),
    platformHttps: onOffEnv(env, 'DBTOOLS_PLATFORM_HTTPS'),
    tokenDays: intEnv(env, 'DBTOOLS_TOKEN_DAYS') ?? 90,
    levels: file.levels ? numericKeys(file.levels) : DEFAULT_LEVELS,
    accessMap,
    limits: file.limits ? numericKeys(file.limits) : DEFAULT_LIMITS,
    servers: file.servers ?? [],
    odooSources: env.DBTOOLS_ODOO_SOURCES ? path.resolve(env.DBTOOLS_ODOO_SOURCES) : undefined,
    odooDemoModules: odooModulesEnv(env.DBTOOLS_ODOO_DEMO_MODULES),
    dropDelayDays: file.dropDelayDays ?? 7,
    duplicateDropWeight: file.duplicateDropWeight ?? 0.25,
    backups: {
      cron: env.DBTOOLS_BACKUP_CRON || file.backups?.cron || '0 3 * * *',
      retention: retentionEnv(env) ?? file.backups?.retention ?? { daily: 7, weekly: 4, monthly: 3 },
      manualPerDay: file.backups?.manualPerDay ?? 5,
    },
    dumpLinkHours: intEnv(env, 'DBTOOLS_DUMP_LINK_HOURS') ?? file.dumpLinkHours ?? 24,
    importMaxBytes: (intEnv(env, 'DBTOOLS_IMPORT_MAX_MB') ?? file.importMaxMegabytes ?? 4096) * 1024 * 1024,
    duplicateTemplateMaxBytes:
      (intEnv(env, 'DBTOOLS_DUPLICATE_TEMPLATE_MAX_MB') ?? file.duplicateTemplateMaxMB ?? 2048) * 1024 * 1024,
    moveKeepSourceHours: intEnv(env, 'DBTOOLS_MOVE_KEEP_SOURCE_HOURS') ?? file.moveKeepSourceHours ?? 72,
    tenantConnections: tenantConnections(env, file.tenantConnections),
    relay: relayConfig(env),
    upgradeUrl: env.DBTOOLS_UPGRADE_URL?.replace(/\/+$/, '') || undefined,
    upgradeApiKey: upgradeApiKey(env),
    upgradeCaFile: env.DBTOOLS_UPGRADE_CA_FILE || undefined,
    upgrades: upgradesConfig(env),
    emailBadge: {
      ...DEFAULT_EMAIL_BADGE,
      ...file.emailBadge,
      weights: { ...DEFAULT_EMAIL_BADGE.weights, ...file.emailBadge?.weights },
    },
    emailAutoRaise: {
      ...DEFAULT_EMAIL_AUTO_RAISE,
      ...file.emailAutoRaise,
      caps: { ...DEFAULT_EMAIL_AUTO_RAISE.caps, ...file.emailAutoRaise?.caps },
    },
    domains: domainsConfig(env),
    audit: auditConfig(env, dataDir),
    logs: {
      writer: env.DBTOOLS_LOG_WRITER ? env.DBTOOLS_LOG_WRITER !== '0' : (file.logs?.writer ?? true),
      linesPerMinute: intEnv(env, 'DBTOOLS_LOG_LINES_PER_MINUTE') ?? file.logs?.linesPerMinute ?? 30,
      historyLinesPerDay:
        intEnv(env, 'DBTOOLS_LOG_HISTORY_LINES_PER_DAY') ?? file.logs?.historyLinesPerDay ?? 2000,
      rotationCron: env.DBTOOLS_LOG_ROTATION_CRON || file.logs?.rotationCron || '0 5 * * *',
      tailsPerAgent: intEnv(env, 'DBTOOLS_LOG_TAILS_PER_AGENT') ?? file.logs?.tailsPerAgent ?? 4,
      tailsTotal: intEnv(env, 'DBTOOLS_LOG_TAILS_TOTAL') ?? file.logs?.tailsTotal ?? 40,
    },
  };
}
