import { z } from 'zod';
import { NotFound } from '../../errors.js';
import { publicJob } from '../../jobs/enqueue.js';
import { findJob } from '../../metabase/repositories/jobs.js';
import { defineRoute } from '../route.js';

const idParam = z.object({ id: z.coerce.number().int().min(1).max(2 ** 53) });
const POLL_MS = 500;

export const jobRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/jobs/:id',
    summary: 'A long job: state, progress, step, ETA, result or error',
    tag: 'jobs',
    auth: 'agent',
    params: idParam,
    async handler({ app, params }) {
      const job = await findJob(app.metabase, params.id);
      if (!job) throw new NotFound(`There is no job #${params.id}.`);
      return publicJob(job);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/jobs/:id/events',
    summary: 'Server-sent events with the job each time it changes, until it ends',
    tag: 'jobs',
    auth: 'agent',
    params: idParam,
    raw: true,
    async handler({ app, params, reply, request }) {
      const first = await findJob(app.metabase, params.id);
      if (!first) throw new NotFound(`There is no job #${params.id}.`);
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-request-id': request.id,
      });
      // The job row is the truth (the worker may be another process): poll it and send changes.
      let last = '';
      let closed = false;
      request.raw.on('close', () => (closed = true));
      while (!closed) {
        const job = await findJob(app.metabase, params.id).catch(() => undefined);
        if (!job) break;
        const event = JSON.stringify(publicJob(job));
        if (event !== last) {
          reply.raw.write(`data: ${event}\n\n`);
          last = event;
        }
        if (job.state === 'completed' || job.state === 'failed') break;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      reply.raw.end();
    },
  }),
];
