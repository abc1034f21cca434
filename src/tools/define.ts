import type { App } from '../app.js';
import type { LevelLimits } from '../config/defaults.js';
import type { AgentRow, DatabaseRow } from '../metabase/schema.js';

export interface ToolContext {
  app: App;
  database: DatabaseRow;
  agent: AgentRow;
  limits: LevelLimits;
  now: Date;
  /** The number this agent must type to run `operation` on this database today. */
  validationNumber(operation: string): string;
}

/**
 * A section of the Tools page, keyed by its access-map key. It appears when the agent's
 * level allows the key and `applies` holds for the database.
 */
export interface Tool {
  key: string;
  applies?(database: DatabaseRow): boolean;
  model(ctx: ToolContext): Promise<Record<string, unknown>> | Record<string, unknown>;
}

export function defineTool(tool: Tool): Tool {
  return tool;
}
