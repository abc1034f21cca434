import { Readable } from 'node:stream';
import { z } from 'zod';
import { exportSupportLogs } from '../../audit/export.js';
import { addDays } from '../../dates.js';
import { defineRoute, rawAnswer } from '../route.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const supportLogRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/support-logs/export',
    summary:
      'The support history, oldest first, as JSON lines or CSV (streamed; hashes included). `to` as a day includes that whole day',
    tag: 'support-logs',
    auth: 'agent',
    access: 'support_logs_export',
    responses: {
      200: rawAnswer('application/x-ndjson', 'One support-log entry a line (JSON lines), or CSV with `format=csv` (text/csv)'),
    },
    query: z.object({
      format: z.enum(['jsonl', 'csv']).default('jsonl'),
      database: z.string().min(1).max(200).optional(),
      from: instant.optional(),
      to: instant.optional(),
    }),
    async handler({ app, query, reply }) {
      const before = query.to
        ? DATE_ONLY.test(query.to)
          ? addDays(new Date(`${query.to}T00:00:00Z`), 1)
          : new Date(new Date(query.to).getTime() + 1)
        : undefined;
      const filter = { database: query.database, from: query.from ? new Date(query.from) : undefined, before };
      reply
        .type(query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="support-log.${query.format}"`);
      return reply.send(Readable.from(exportSupportLogs(app.metabase, query.format, filter)));
    },
  }),
];
