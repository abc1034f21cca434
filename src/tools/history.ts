import { defineTool } from './define.js';

/** The history itself is paged through GET /api/databases/{name}/support-logs. */
export const supportLogsTool = defineTool({ key: 'support_logs', model: () => ({}) });
