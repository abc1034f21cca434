import { createReadStream } from 'node:fs';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { errorBody, PlatformError } from './errors.js';
import { requestPage } from './page.js';
import { UploadTooLarge, type UpgradeService } from './service.js';

const rpcBody = z.object({
  jsonrpc: z.literal('2.0').optional(),
  method: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  id: z.union([z.number(), z.string(), z.null()]).optional(),
});

/**
 * The upgrade platform's HTTP API, shaped after Odoo's upgrade protocol: JSON-RPC `call`
 * endpoints under /database/v1/, the dump uploaded and the results downloaded apart, a request
 * page for humans. Routes only parse and answer; UpgradeService does the work.
 */
export async function createUpgradeServer(service: UpgradeService, log: Logger): Promise<FastifyInstance> {
  // Requests are not logged one by one (the upgrade log tells what happened); warnings and errors are.
  const server = Fastify({ loggerInstance: log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger, bodyLimit: 1024 * 1024 });

  server.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof PlatformError) return reply.code(error.status).send({ error: errorBody(error) });
    if (error instanceof UploadTooLarge) return reply.code(413).send({ error: transportError(error.message) });
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'upgrade platform error');
    return reply.code(status).send({ error: transportError(status === 500 ? 'Internal error of the upgrade platform' : error.message) });
  });

  server.get('/healthz', async () => ({ status: 'ok' }));

  const methods: Record<string, (params: unknown) => Promise<unknown>> = {
    create: (p) => service.create(p),
    process: (p) => service.process(p),
    status: (p) => service.status(p),
    log: (p) => service.log(p),
    cancel: (p) => service.cancel(p),
  };

  server.post<{ Params: { method: string } }>('/database/v1/:method', async (request, reply) => {
    const parsed = rpcBody.safeParse(request.body);
    const id = parsed.success ? (parsed.data.id ?? null) : null;
    const method = methods[request.params.method];
    try {
      service.checkCaller(request.headers.authorization);
      if (!parsed.success) throw new PlatformError('ValidationError', 'The body must be a JSON-RPC 2.0 call with params.');
      if (!method || !Object.hasOwn(methods, request.params.method)) {
        throw new PlatformError('NotFound', `No method ${request.params.method.slice(0, 40)} on /database/v1.`);
      }
      const result = await method(parsed.data.params ?? {});
      return reply.send({ jsonrpc: '2.0', id, result });
    } catch (e) {
      if (!(e instanceof PlatformError)) throw e;
      // As Odoo: a JSON-RPC error is an HTTP 200.
      return reply.code(200).send({ jsonrpc: '2.0', id, error: errorBody(e) });
    }
  });

  // The dump arrives raw: the body is streamed to disk by the service, never buffered.
  await server.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.put<{ Querystring: { request?: string; key?: string } }>('/database/v1/upload', async (request, reply) => {
      // Before a byte of the body is read.
      service.checkCaller(request.headers.authorization);
      const length = request.headers['content-length'] ? Number(request.headers['content-length']) : undefined;
      const result = await service.upload(request.query.request, request.query.key, request.raw, length);
      return reply.send({ result });
    });
  });

  server.get<{ Querystring: { request?: string; key?: string; what?: string } }>('/database/v1/download', async (request, reply) => {
    service.checkCaller(request.headers.authorization);
    const { file, size, name } = await service.download(request.query.request, request.query.key, request.query.what);
    return sendFile(reply, file, size, name);
  });

  server.get<{ Params: { id: string }; Querystring: { key?: string } }>('/request/:id', async (request, reply) => {
    let row;
    try {
      row = await service.authorized(request.params.id, request.query.key);
    } catch (e) {
      if (!(e instanceof PlatformError)) throw e;
      return reply.code(403).type('text/html; charset=utf-8').send('<!doctype html><title>Access denied</title><p>Unknown request or wrong key.</p>');
    }
    const status = await service.describe(row);
    const html = requestPage({
      ...status,
      archivedFrom: row.archived_from,
      logTail: await service.files(row.id).logTail(8 * 1024),
    });
    return reply
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .header('x-content-type-options', 'nosniff')
      .type('text/html; charset=utf-8')
      .send(html);
  });

  return server;
}

function transportError(message: string) {
  return { code: 200, message: 'Odoo Server Error', data: { name: 'TransportError', message } };
}

function sendFile(reply: FastifyReply, file: string, size: number, name: string) {
  return reply
    .header('content-type', 'application/x-tar')
    .header('content-length', String(size))
    .header('content-disposition', `attachment; filename="${name}"`)
    .send(createReadStream(file));
}
