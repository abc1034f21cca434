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

/** A section as the page carries it: the tool's own fields, or why it could not be loaded. */
export type ToolSection = { error?: string; validationNumber?: string; [field: string]: unknown };

/**
 * A section of the Tools page, keyed by its access-map key. It appears when the agent's
 * level allows the key and `applies` holds for the database.
 */
export interface Tool {
  key: string;
  applies?(database: DatabaseRow): boolean;
  model(ctx: ToolContext): Promise<object> | object;
}

/** A tool whose model keeps its own type: the console imports it (`ToolModelOf`) instead of copying it. */
export interface TypedTool<M extends object> extends Tool {
  model(ctx: ToolContext): Promise<M> | M;
}

export function defineTool<M extends object>(tool: {
  key: string;
  applies?(database: DatabaseRow): boolean;
  model(ctx: ToolContext): Promise<M> | M;
}): TypedTool<M> {
  return tool;
}

/** The model a tool puts on the Tools page (before JSON: dates are still Date). */
export type ToolModelOf<T> = T extends TypedTool<infer M> ? M : never;
