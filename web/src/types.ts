/**
 * Shapes of the API answers the console reads, imported from the server's own definitions:
 * type-only imports, erased at build (Vite never bundles server code), so a change on the server
 * is a compile error here instead of a page that silently reads undefined. The answers come from
 * the API's contract (src/api/contract.ts, derived from each route's answer schema: the JSON as
 * sent); each tool's section of the Tools page keeps its tool's own type. Only what JSON does to
 * a tool's value (`Jsonified`) and the JSON Schema of the operation forms are written here.
 */
import type { ApiAnswer, ApiContract, ApiEvent, OperationInput, OperationName } from '../../src/api/contract.js';
import type { ToolModelOf } from '../../src/tools/define.js';
import type { dumpTool } from '../../src/tools/dump.js';
import type { migrationTool } from '../../src/tools/migration.js';
import type { techLogsTool } from '../../src/tools/tech-logs.js';
import type { adminRightsTool, impersonationTool } from '../../src/tools/impersonation.js';
import type { dropTool, duplicateTool, lockTool } from '../../src/tools/lifecycle.js';
import type { duplicateLimitTool, emailLimitTool } from '../../src/tools/limits.js';
import type { restoreTool } from '../../src/tools/restore.js';
import type { moveTool } from '../../src/tools/move.js';
import type { customDomainTool } from '../../src/tools/custom-domain.js';
import type { companiesTool, iapAccountsTool, oauthAdminTool, pingTool, securityTool } from '../../src/tools/tenant-ops.js';
import type { expireDateTool, toggleFreeTool } from '../../src/tools/trial.js';

export type { ApiAnswer, ApiContract, ApiEvent, OperationInput, OperationName };

/** What JSON makes of a server value: dates become ISO strings, the rest keeps its shape. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

export type Agent = ApiAnswer<'GET /api/me'>;

export type SearchAnswer = ApiAnswer<'GET /api/databases'>;

export type DatabaseListItem = SearchAnswer['items'][number];

export type Mode = DatabaseListItem['mode'];

type ServerPage = ApiAnswer<'GET /api/databases/:name'>;

export type DatabaseModel = ServerPage['database'];

/** `tools[key]` of the page model, as the server's tool builds it. */
export type ToolModelJson<T> = Jsonified<ToolModelOf<T>>;

/** What every tool entry may carry besides its own fields. */
export interface ToolModelBase {
  /** The section could not be loaded (tenant unreachable...): shown instead of its content. */
  error?: string | null;
  /** The number to type back for operations that need one. */
  validationNumber?: string;
}

export type ToolModel = ToolModelBase & Record<string, unknown>;

/** One deployed checkout of the database's hosting server: its commit and local changes, or why it cannot be read. */
export type { GitChange, GitFileStatus, GitRepoStatus } from '../../src/git/status-schema.js';

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

export type OperationInfo = Omit<ApiAnswer<'GET /api/operations'>['operations'][number], 'input'> & { input: JsonSchema };

/** The per-level limits are keyed by "2", "3"... (object keys are strings in JSON). */
export type PolicyAnswer = ApiAnswer<'GET /api/policy'>;

export type LevelLimits = PolicyAnswer['mine']['limits'];

export type SupportLogPage = ApiAnswer<'GET /api/databases/:name/support-logs'>;

export type SupportLogEntry = SupportLogPage['entries'][number];

export type Job = ApiAnswer<'GET /api/jobs/:id'> & {
  /** On the page model: false when your level may not follow this job (no result, no error, not watched). */
  readable?: boolean;
};

/** `mode`: `outbox`, the local catcher keeps every mail; `smtp`, mail leaves through a real server. */
export type OutboxAnswer = ApiAnswer<'GET /api/outbox'>;

export type OutboxSummary = OutboxAnswer['messages'][number];

export type OutboxMessage = ApiAnswer<'GET /api/outbox/:id'>;

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

export type ServersAnswer = ApiAnswer<'GET /api/servers'>;

/** One hosting server with its load and health (null: it could not be read). */
export type ServerItem = ServersAnswer['items'][number];

/** `GET /api/job-kinds`: each kind of job and its steps in words, from the job definitions. */
export type JobKindTexts = ApiAnswer<'GET /api/job-kinds'>;
