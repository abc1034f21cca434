import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { DEFAULT_ACCESS_MAP, DEFAULT_LEVELS, DEFAULT_LIMITS, type LevelLimits } from './defaults.js';

const levelLimits = z.object({
  trialDays: z.number().int().min(0),
  emailLimit: z.number().int().min(0),
  duplicateLimit: z.number().int().min(0).nullable(),
  duplicateExtensionDays: z.number().min(0),
});

const hostingServer = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/),
  /** postgres://user:password@host:port — a real external cluster. */
  url: z.string().url(),
  filestoreRoot: z.string(),
  backupRoot: z.string(),
  logDir: z.string(),
  configDir: z.string(),
});

const fileSchema = z
  .object({
    levels: z.record(z.string().regex(/^\d+$/), z.string().min(1)).optional(),
    accessMap: z.record(z.string(), z.number().int().min(0)).optional(),
    limits: z.record(z.string().regex(/^\d+$/), levelLimits).optional(),
    servers: z.array(hostingServer).optional(),
    dropDelayDays: z.number().positive().optional(),
    duplicateDropWeight: z.number().min(0).max(1).optional(),
    duplicateTemplateMaxMB: z.number().min(0).optional(),
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
  levels: Record<number, string>;
  accessMap: Record<string, number>;
  limits: Record<number, LevelLimits>;
  servers: HostingServerConfig[];
  dropDelayDays: number;
  duplicateDropWeight: number;
  /**
   * A duplicate copies databases up to this size with CREATE DATABASE … TEMPLATE (fast, but the
   * source accepts no session meanwhile) and larger ones with an online dump/restore.
   */
  duplicateTemplateMaxBytes: number;
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
    throw new ConfigError(`Invalid DBTOOLS_CONFIG ${file}: key "${issue.path.join('.')}": ${issue.message}`);
  }
  return parsed.data;
}

function intEnv(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${key} must be a whole number, got "${v}"`);
  return n;
}

function numericKeys<T>(rec: Record<string, T>): Record<number, T> {
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [Number(k), v]));
}

/** Twelve-factor: everything from the environment, the policy from an optional file. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const file = env.DBTOOLS_CONFIG ? readConfigFile(env.DBTOOLS_CONFIG) : {};
  const accessMap = { ...DEFAULT_ACCESS_MAP, ...(file.accessMap ?? {}) };
  const unknownKey = Object.keys(file.accessMap ?? {}).find((k) => !(k in DEFAULT_ACCESS_MAP));
  if (unknownKey) throw new ConfigError(`Invalid DBTOOLS_CONFIG: key "accessMap.${unknownKey}" is not an operation key`);
  return {
    dataDir: path.resolve(env.DBTOOLS_DATA_DIR ?? './var'),
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
    levels: file.levels ? numericKeys(file.levels) : DEFAULT_LEVELS,
    accessMap,
    limits: file.limits ? numericKeys(file.limits) : DEFAULT_LIMITS,
    servers: file.servers ?? [],
    dropDelayDays: file.dropDelayDays ?? 7,
    duplicateDropWeight: file.duplicateDropWeight ?? 0.25,
    duplicateTemplateMaxBytes:
      (intEnv(env, 'DBTOOLS_DUPLICATE_TEMPLATE_MAX_MB') ?? file.duplicateTemplateMaxMB ?? 2048) * 1024 * 1024,
  };
}
