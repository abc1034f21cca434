/** Shapes of the API answers the console reads (see /api/openapi.json). */

export interface Agent {
  login: string;
  name: string;
  level: number;
  levelName: string;
}

export type Mode = 'trial' | 'paid' | 'drop';

export interface DatabaseListItem {
  name: string;
  uuid: string;
  mode: Mode;
  status: string;
  version: string;
  expire_date: string | null;
  duplicate_of: string | null;
  subcode: string | null;
  extra_apps: boolean;
  state: 'active' | 'removed';
  server: string;
}

export interface SearchAnswer {
  items: DatabaseListItem[];
  nextCursor: string | null;
}

export interface DatabaseModel {
  name: string;
  uuid: string;
  mode: Mode;
  extra_apps: boolean;
  status: string;
  expire_date: string | null;
  version: string;
  subcode: string | null;
  server: string | null;
  create_date: string;
  duplicate_of: string | null;
  secure: boolean;
  email_daily_count: number;
  email_daily_limit: number;
  ext_email_daily_count: number | null;
  email_total_count: number;
  duplicate_limit: number;
  state: 'active' | 'removed';
  locked: boolean;
}

/** What every tool entry may carry besides its own fields. */
export interface ToolModelBase {
  /** The section could not be loaded (tenant unreachable...): shown instead of its content. */
  error?: string;
  /** The number to type back for operations that need one. */
  validationNumber?: string;
}

export type ToolModel = ToolModelBase & Record<string, unknown>;

/** One deployed checkout of the database's hosting server: its commit and local changes, or why it cannot be read. */
export interface GitRepoStatus {
  repo: 'odoo' | 'enterprise' | 'design-themes' | 'internal';
  commit?: string;
  subject?: string;
  date?: string;
  changes?: { count: number; paths: string[] };
  error?: string;
}

export interface PageModel {
  database: DatabaseModel;
  /** The hosting server's git status, for levels that see the technical logs. */
  git?: GitRepoStatus[];
  /** The long job running on this database (one at a time), so a refreshed page shows it again. */
  job?: Job | null;
  level: { value: number; name: string };
  tools: Record<string, ToolModel>;
}

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  description?: string;
  title?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

export interface OperationInfo {
  name: string;
  access: string;
  title: string;
  summary: string;
  needsValidation: boolean;
  allowedWhenLocked: boolean;
  destructive: boolean;
  input: JsonSchema;
}

export interface LevelLimits {
  trialDays: number;
  emailLimit: number;
  duplicateLimit: number | null;
  duplicateExtensionDays: number;
}

export interface PolicyAnswer {
  levels: { value: number; name: string }[];
  accessMap: Record<string, number>;
  limits: Record<string, LevelLimits>;
  mine: { level: number; name: string; limits: LevelLimits };
}

export interface SupportLogEntry {
  id: string;
  at: string;
  agent_login: string;
  agent_level: number;
  operation: string;
  inputs: Record<string, unknown>;
  outcome: 'success' | 'failure';
  message: string | null;
}

export interface SupportLogPage {
  entries: SupportLogEntry[];
  page: number;
  pages: number;
}

export interface Job {
  id: string | number;
  kind: string;
  database: string;
  state: 'queued' | 'running' | 'completed' | 'failed';
  progress: number;
  step: string | null;
  /** An ISO date, or seconds left. */
  eta: string | number | null;
  result?: unknown;
  error?: string | null;
  createdAt?: string;
  finishedAt?: string | null;
}

export interface OutboxSummary {
  id: string;
  date: string;
  from: string;
  to: string[];
  subject: string;
}

export interface OutboxAnswer {
  /** `outbox`: the local catcher keeps every mail; `smtp`: mail leaves through a real server. */
  mode: 'outbox' | 'smtp';
  messages: OutboxSummary[];
}

export interface OutboxMessage extends OutboxSummary {
  text: string;
  html: string | null;
}
