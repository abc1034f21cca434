import { defineTool } from './define.js';

/** The history itself is paged through GET /api/databases/{name}/support-logs. */
export const supportLogsTool = defineTool({ key: 'support_logs', model: () => ({}) });

/** Metabase Information: every field of the row, for technical support. */
export const techLogsTool = defineTool({
  key: 'tech_logs',
  model: ({ database }) => ({ metabase: { ...database } }),
});
