import type { AnyJobDefinition } from './define.js';
import { jobDefinitions } from './index.js';

/** The one graphile-worker task that runs every tracked job. */
export const JOB_TASK = 'dbtools-job';

export function findJobDefinition(kind: string): AnyJobDefinition {
  const def = jobDefinitions.find((d) => d.kind === kind);
  if (!def) throw new Error(`No job definition for kind "${kind}"`);
  return def;
}
