import type { z } from 'zod';
import type { App } from '../app.js';
import type { LevelLimits } from '../config/defaults.js';
import type { MetabaseDb } from '../metabase/connect.js';
import type { AgentRow, DatabaseRow } from '../metabase/schema.js';

export interface OperationContext<I> {
  app: App;
  /** The metabase transaction the support-log entry joins: the change and its entry commit together. */
  tx: MetabaseDb;
  /** The target database's metabase row, locked for this transaction. */
  database: DatabaseRow;
  agent: AgentRow;
  input: I;
  limits: LevelLimits;
  now: Date;
  requestId: string;
}

/**
 * A support operation, declared once. The registry derives from it the API route, the
 * permission check, the support-log entry, the CLI command and the form in the UI.
 */
export interface Operation<S extends z.ZodType = z.ZodType> {
  name: string;
  /** Access-map key: the only permission check. */
  access: string;
  title: string;
  /** One line for agents, shown with the form and in the CLI help. */
  summary: string;
  input: S;
  /** Asks for the validation number shown on the page (destructive operations). */
  needsValidation?: boolean;
  /** Allowed on a locked database (status containing `maintenance`). */
  allowedWhenLocked?: boolean;
  /** Also runs on a database whose row says `removed` (restoring it from its backups). */
  allowedWhenRemoved?: boolean;
  /**
   * Changes nothing a long job could be acting on: allowed while a job holds the database.
   * Every other operation answers 409 naming the running job.
   */
  readOnly?: boolean;
  /** The UI asks for confirmation first. */
  destructive?: boolean;
  /** Input fields never written to the support log. */
  secretInputs?: string[];
  run(ctx: OperationContext<z.infer<S>>): Promise<unknown>;
}

/**
 * Keeps the operation's name as its literal type (`'extend-trial'`, not `string`), so the API
 * contract can map each registered name to its input (src/api/contract.ts, `OperationContract`).
 */
export function defineOperation<const N extends string, S extends z.ZodType>(
  op: Operation<S> & { name: N },
): Operation<S> & { name: N } {
  return op;
}
