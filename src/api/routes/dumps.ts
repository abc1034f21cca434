import { Readable } from 'node:stream';
import { z } from 'zod';
import { serveDumpDownload } from '../../dumps/download.js';
import { importDump } from '../../dumps/import-upload.js';
import { NotFound, UnsupportedMediaType } from '../../errors.js';
import { mailMode } from '../../mail/mailer.js';
import { listOutbox, readOutboxMessage } from '../../mail/catcher.js';
import { queuedJobAnswer } from '../answers.js';
import { defineRoute, rawAnswer } from '../route.js';

const outboxSummary = z.object({
  id: z.string(),
  date: z.string(),
  from: z.string(),
  to: z.array(z.string()),
  subject: z.string(),
});

export const dumpRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/dumps/:id/download',
    summary: 'Download a dump by its signed link (no session; Range requests; 403 changed link, 410 expired)',
    tag: 'dumps',
    auth: 'public',
    responses: {
      200: rawAnswer('application/zip', 'The dump, whole'),
      206: rawAnswer('application/zip', 'The byte range asked for (Range)'),
    },
    params: z.object({
      id: z.coerce
        .number()
        .int()
        .min(1)
        .max(2 ** 53),
    }),
    query: z.object({ expires: z.string().max(20).default(''), signature: z.string().max(100).default('') }),
    async handler({ app, params, query, request, reply }) {
      await serveDumpDownload(app, { id: params.id, ...query }, request, reply);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/import-dump',
    summary:
      'Upload a zip in Odoo’s database manager format (body: application/zip) to create a new database',
    tag: 'dumps',
    auth: 'agent',
    access: 'import_dump',
    query: z.object({ name: z.string().min(1).max(63), server: z.string().max(63).optional() }),
    responses: { 202: queuedJobAnswer },
    async handler({ app, agent, query, request, reply }) {
      // Only the upload content types arrive as a stream; JSON, text or no body at all is refused.
      if (!(request.body instanceof Readable)) {
        throw new UnsupportedMediaType('Upload the zip as the request body (Content-Type: application/zip).');
      }
      const result = await importDump(app, {
        agent,
        name: query.name,
        server: query.server,
        body: request.body as Readable,
        contentLength: Number(request.headers['content-length']) || undefined,
        requestId: request.id,
      });
      reply.status(202);
      return result;
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/outbox',
    summary: 'Mails caught by the local SMTP catcher, newest first (embedded default; level of `outbox`)',
    tag: 'mail',
    auth: 'agent',
    access: 'outbox',
    responses: {
      // `outbox`: the local catcher keeps every mail; `smtp`: mail leaves through a real server.
      200: z.object({ mode: z.enum(['smtp', 'outbox']), messages: z.array(outboxSummary) }),
    },
    async handler({ app }) {
      return { mode: mailMode(app), messages: await listOutbox(app.config.dataDir) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/outbox/:id',
    summary: 'One caught mail with its text and HTML',
    tag: 'mail',
    auth: 'agent',
    access: 'outbox',
    params: z.object({ id: z.string().max(40) }),
    responses: { 200: outboxSummary.extend({ text: z.string(), html: z.string().nullable() }) },
    async handler({ app, params }) {
      const message = await readOutboxMessage(app.config.dataDir, params.id);
      if (!message) throw new NotFound('There is no such message in the Outbox.');
      return message;
    },
  }),
];
