import { z } from 'zod';
import { publicJob } from '../../jobs/enqueue.js';
import { readableJob } from '../../jobs/job-access.js';
import { jobKindTexts } from '../../jobs/kinds.js';
import { findJob } from '../../metabase/repositories/jobs.js';
import { bigintId } from '../../operations/inputs.js';
import { jobAnswer } from '../answers.js';
import { defineRoute, rawAnswer } from '../route.js';

const idParam = z.object({ id: bigintId() });
const POLL_MS = 500;

export const jobRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/job-kinds',
    summary: 'Each kind of long job and its steps, in words for agents',
    tag: 'jobs',
    auth: 'agent',
    responses: {
      200: z.record(z.string(), z.object({ label: z.string(), steps: z.record(z.string(), z.string()) })),
    },
    handler: async () => jobKindTexts(),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/jobs/:id',
    summary: 'A long job: state, progress, step, ETA, result or error',
    tag: 'jobs',
    auth: 'agent',
    params: idParam,
    responses: { 200: jobAnswer },
    handler: async ({ app, agent, params }) => publicJob(await readableJob(app, agent, params.id)),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/jobs/:id/events',
    summary: 'Server-sent events with the job each time it changes, until it ends',
    tag: 'jobs',
    auth: 'agent',
    params: idParam,
    responses: { 200: rawAnswer('text/event-stream', 'One event each time the job changes: `data:` the job as GET /api/jobs/{id} answers it', jobAnswer) },
    async handler({ app, agent, params, reply, request }) {
      await readableJob(app, agent, params.id);
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
        const event = JSON.stringify(jobAnswer.encode(publicJob(job)));
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
