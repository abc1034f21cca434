import { once } from 'node:events';
import { z } from 'zod';
import { logServerFor, serverNamed } from '../../logs/access.js';
import { serveLogFile } from '../../logs/download.js';
import { asRecordTime, LEVELS } from '../../logs/format.js';
import { listLogFiles } from '../../logs/layout.js';
import { checkPattern, planLogSearch, streamLogSearch } from '../../logs/search.js';
import { followLog } from '../../logs/tail.js';
import { tailSlots } from '../../logs/tail-slots.js';
import { defineRoute, rawAnswer } from '../route.js';

const serverParam = z.object({ server: z.string().max(63) });
const level = z
  .string()
  .max(60)
  .transform((v) => v.split(',').filter(Boolean))
  .pipe(z.array(z.enum(LEVELS)));
/** `from`/`to` as dates or datetimes (UTC), compared with the records' own times. */
const time = z.coerce.date().transform(asRecordTime);
/** One line of a log (src/logs/scan.ts LogLine). */
const logLine = z.object({
  file: z.string(),
  n: z.number().int(),
  text: z.string(),
  hit: z.boolean(),
  time: z.string().optional(),
  level: z.enum(LEVELS).optional(),
  db: z.string().optional(),
  logger: z.string().optional(),
});

const filters = {
  q: z.string().max(500).optional(),
  regex: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
  db: z.string().max(63).optional(),
  level: level.optional(),
  logger: z.string().max(200).optional(),
};

export const logRoutes = [
  defineRoute({
    method: 'GET',
    url: '/logs/:server/:file',
    summary:
      'A technical log file (HTTP Basic: user `logs`, the server’s log password); plain days inline, .gz as download; Range',
    tag: 'logs',
    auth: 'public',
    responses: {
      200: rawAnswer('text/plain', 'The log file (a rotated .gz day as application/gzip, a download)'),
      206: rawAnswer('text/plain', 'The byte range asked for (Range)'),
    },
    params: z.object({ server: z.string().max(63), file: z.string().max(255) }),
    async handler({ app, params, request, reply }) {
      await serveLogFile(
        app,
        params.server,
        await serverNamed(app, params.server),
        params.file,
        request,
        reply,
      );
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/logs/:server/files',
    summary: 'The log files of a hosting server (level of `tech_logs`)',
    tag: 'logs',
    auth: 'agent',
    access: 'tech_logs',
    params: serverParam,
    responses: {
      200: z.object({
        files: z.array(
          z.object({
            name: z.string(),
            size: z.number(),
            compressed: z.boolean(),
            day: z.string().nullable(),
          }),
        ),
      }),
    },
    async handler({ app, params }) {
      const server = await logServerFor(app, params.server);
      return { files: await listLogFiles(server.log_dir) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/logs/:server/search',
    summary:
      'Search the technical logs (text or regular expression, database, level, logger, time range, ±context lines): records whole, tracebacks included; `file` + `line`: a permalink. Streamed as NDJSON: `{lines}` batches in file order as they are found, then `{done: true, truncated, files}` (or `{error}` if the search fails midway)',
    tag: 'logs',
    auth: 'agent',
    access: 'tech_logs',
    params: serverParam,
    query: z.object({
      ...filters,
      from: time.optional(),
      to: time.optional(),
      file: z.string().max(255).optional(),
      line: z.coerce.number().int().min(1).optional(),
      context: z.coerce.number().int().min(0).max(50).default(0),
      limit: z.coerce.number().int().min(1).max(20_000).default(2_000),
    }),
    responses: {
      200: rawAnswer(
        'application/x-ndjson',
        'One JSON value per line: `{lines}` batches as they are found, then `{done, truncated, files}`, or `{error}` if the search stops midway',
        z.union([
          z.object({ lines: z.array(logLine) }),
          z.object({ done: z.literal(true), truncated: z.boolean(), files: z.array(z.string()) }),
          z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
        ]),
      ),
    },
    async handler({ app, params, query, request, reply }) {
      const server = await logServerFor(app, params.server);
      const { level: levels, ...rest } = query;
      const options = { ...rest, levels };
      // A bad pattern or file name is still a 4xx JSON error: checked before the stream opens.
      const files = await planLogSearch(server.log_dir, options);
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'cache-control': 'no-cache',
        'x-request-id': request.id,
      });
      const gone = new AbortController();
      reply.raw.on('close', () => gone.abort());
      // Each batch waits for the socket to take the previous one: a slow client slows the
      // search instead of piling its lines up in memory; a client gone ends it.
      const write = async (value: object) => {
        if (gone.signal.aborted) throw new Error('the client went away');
        if (!reply.raw.write(JSON.stringify(value) + '\n'))
          await once(reply.raw, 'drain', { signal: gone.signal });
      };
      try {
        const { truncated, files: names } = await streamLogSearch(
          server.log_dir,
          options,
          (lines) => write({ lines }),
          files,
        );
        await write({ done: true, truncated, files: names });
      } catch (err) {
        if (!gone.signal.aborted) {
          app.log.warn({ err: (err as Error).message, server: server.name }, 'log search failed');
          await write({
            error: {
              code: 'search_failed',
              message: 'The search stopped: the log could not be read to the end.',
            },
          }).catch(() => undefined);
        }
      } finally {
        reply.raw.end();
      }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/logs/:server/tail',
    summary:
      'Server-sent events: each new batch of lines of the live log file (`{lines}`), with the same filters as search; `backlog`: the last matching lines already written, first; 429 past the live tails allowed per agent or in total',
    tag: 'logs',
    auth: 'agent',
    access: 'tech_logs',
    params: serverParam,
    query: z.object({ ...filters, backlog: z.coerce.number().int().min(0).max(1_000).default(0) }),
    responses: {
      200: rawAnswer(
        'text/event-stream',
        'Each new batch of matching lines: `data: {lines}`',
        z.object({ lines: z.array(logLine) }),
      ),
    },
    async handler({ app, agent, params, query, request, reply }) {
      const server = await logServerFor(app, params.server);
      const { level: levels, backlog, ...rest } = query;
      checkPattern(rest);
      // Refused (429) before the stream opens; given back when the tail ends, however it ends.
      const release = tailSlots(app).take(agent.id);
      reply.hijack();
      // Headers go out once the tail knows where the file ends: a client that sees the stream
      // open (EventSource's onopen) gets every line written from then on.
      const ready = () => {
        reply.raw.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-request-id': request.id,
        });
        reply.raw.write(': following\n\n');
        keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
      };
      let keepAlive: NodeJS.Timeout | undefined;
      const stop = new AbortController();
      request.raw.on('close', () => stop.abort());
      reply.raw.on('close', () => stop.abort());
      // A client gone while the server was looked up would otherwise keep its slot for ever.
      if (request.raw.socket.destroyed) stop.abort();
      try {
        await followLog(
          server.log_dir,
          { ...rest, levels },
          (lines) => reply.raw.write(`data: ${JSON.stringify({ lines })}\n\n`),
          stop.signal,
          ready,
          backlog,
        );
      } catch (err) {
        app.log.warn({ err: (err as Error).message, server: server.name }, 'log tail stopped');
      } finally {
        release();
        clearInterval(keepAlive);
        if (!reply.raw.headersSent) ready();
        reply.raw.end();
      }
    },
  }),
];
