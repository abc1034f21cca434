/**
 * Shapes of the API answers the console reads (see /api/openapi.json), imported from the
 * server's own definitions: type-only imports, erased at build (Vite never bundles server code),
 * so a change on the server is a compile error here instead of a page that silently reads
 * undefined. Only what JSON does to a value (`Jsonified`) and the JSON Schema of the operation
 * forms are written here.
 */
import type { operationCatalog, policyAnswer } from '../../src/api/routes/operations.js';
import type { SessionAgent } from '../../src/api/routes/session.js';
import type { PublicJob } from '../../src/jobs/enqueue.js';
import type { JobKindTexts as ServerJobKindTexts } from '../../src/jobs/kinds.js';
import type { OutboxMessage as ServerOutboxMessage, OutboxSummary as ServerOutboxSummary } from '../../src/mail/catcher.js';
import type { mailMode } from '../../src/mail/mailer.js';
import type { DatabaseListItem as ServerDatabaseListItem } from '../../src/metabase/repositories/databases.js';
import type { pageSupportLogs } from '../../src/metabase/repositories/support-logs.js';
import type { DatabaseMode } from '../../src/metabase/schema.js';
import type { ToolModelOf } from '../../src/tools/define.js';
import type { toolsPage } from '../../src/tools/page.js';
import type { dumpTool } from '../../src/tools/dump.js';
import type { migrationTool } from '../../src/tools/migration.js';
import type { techLogsTool } from '../../src/tools/tech-logs.js';
import type { adminRightsTool, impersonationTool } from '../../src/tools/impersonation.js';
import type { dropTool, duplicateTool, lockTool } from '../../src/tools/lifecycle.js';
import type { duplicateLimitTool, emailLimitTool } from '../../src/tools/limits.js';
import type { restoreTool } from '../../src/tools/restore.js';
import type { moveTool } from '../../src/tools/move.js';
import type { ServerOverview } from '../../src/observability/server-overview.js';
import type { customDomainTool } from '../../src/tools/custom-domain.js';
import type { companiesTool, iapAccountsTool, oauthAdminTool, pingTool, securityTool } from '../../src/tools/tenant-ops.js';
import type { expireDateTool, toggleFreeTool } from '../../src/tools/trial.js';

/** What JSON makes of a server value: dates become ISO strings, the rest keeps its shape. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

type Answer<F extends (...args: never[]) => unknown> = Jsonified<Awaited<ReturnType<F>>>;

export type Agent = Jsonified<SessionAgent>;

export type Mode = DatabaseMode;

export type DatabaseListItem = Jsonified<ServerDatabaseListItem>;

export interface SearchAnswer {
  items: DatabaseListItem[];
  nextCursor: string | null;
}

type ServerPage = Answer<typeof toolsPage>;

export type DatabaseModel = ServerPage['database'];

/** `tools[key]` of the page model, as the server's tool builds it. */
export type ToolModelJson<T> = Jsonified<ToolModelOf<T>>;

/** What every tool entry may carry besides its own fields. */
export interface ToolModelBase {
  /** The section could not be loaded (tenant unreachable...): shown instead of its content. */
  error?: string;
  /** The number to type back for operations that need one. */
  validationNumber?: string;
}

export type ToolModel = ToolModelBase & Record<string, unknown>;

/** One deployed checkout of the database's hosting server: its commit and local changes, or why it cannot be read. */
export type { GitRepoStatus } from '../../src/git/status.js';
export type { GitChange, GitFileStatus } from '../../src/git/porcelain.js';

/** The Tools page model; each section reads its own entry of `tools` with its tool's type. */
export type PageModel = Omit<ServerPage, 'tools'> & { tools: Record<string, ToolModel> };

/** The subset of JSON Schema the operation forms read (zod writes it: `z.toJSONSchema`). */
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

export type OperationInfo = Omit<ReturnType<typeof operationCatalog>[number], 'input'> & { input: JsonSchema };

type ServerPolicy = Jsonified<ReturnType<typeof policyAnswer>>;

export type LevelLimits = ServerPolicy['mine']['limits'];

/** Object keys are strings once in JSON: the per-level limits are keyed by "2", "3"... */
export type PolicyAnswer = Omit<ServerPolicy, 'limits'> & { limits: Record<string, LevelLimits> };

export type SupportLogPage = Answer<typeof pageSupportLogs>;

export type SupportLogEntry = SupportLogPage['entries'][number];

export type Job = Jsonified<PublicJob> & {
  /** On the page model: false when your level may not follow this job (no result, no error, not watched). */
  readable?: boolean;
};

export type OutboxSummary = Jsonified<ServerOutboxSummary>;

export interface OutboxAnswer {
  /** `outbox`: the local catcher keeps every mail; `smtp`: mail leaves through a real server. */
  mode: ReturnType<typeof mailMode>;
  messages: OutboxSummary[];
}

export type OutboxMessage = Jsonified<ServerOutboxMessage>;

export type OauthAdminModel = ToolModelJson<typeof oauthAdminTool>;
export type AdminRightsModel = ToolModelJson<typeof adminRightsTool>;
export type CompanyUsersModel = ToolModelJson<typeof companiesTool>;
export type CustomDomainModel = ToolModelJson<typeof customDomainTool>;
export type DropModel = ToolModelJson<typeof dropTool>;
export type DumpModel = ToolModelJson<typeof dumpTool>;
export type MigrationModel = ToolModelJson<typeof migrationTool>;
export type DuplicateLimitModel = ToolModelJson<typeof duplicateLimitTool>;
export type DuplicateModel = ToolModelJson<typeof duplicateTool>;
export type EmailLimitModel = ToolModelJson<typeof emailLimitTool>;
export type ExpireDateModel = ToolModelJson<typeof expireDateTool>;
export type IapAccountsModel = ToolModelJson<typeof iapAccountsTool>;
export type ImpersonationModel = ToolModelJson<typeof impersonationTool>;
export type LockModel = ToolModelJson<typeof lockTool>;
export type MoveModel = ToolModelJson<typeof moveTool>;
export type PingModel = ToolModelJson<typeof pingTool>;
export type RestoreModel = ToolModelJson<typeof restoreTool>;
export type SecurityFeaturesModel = ToolModelJson<typeof securityTool>;
export type TechLogsModel = ToolModelJson<typeof techLogsTool>;
export type ToggleFreeModel = ToolModelJson<typeof toggleFreeTool>;

/** GET /api/servers: one hosting server with its load and health (null: it could not be read). */
export type ServerItem = ServerOverview;

export interface ServersAnswer {
  items: ServerItem[];
}

/** `GET /api/job-kinds`: each kind of job and its steps in words, from the job definitions. */
export type JobKindTexts = ServerJobKindTexts;
