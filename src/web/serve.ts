import { chmod, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { App } from '../app.js';

export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
const DIST = path.join(WEB_ROOT, 'dist');
/** What the build reads: a change in any of these makes the build stale. */
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts'].map((p) => path.join(WEB_ROOT, p));

/** Routes that are never the console's, so an unknown one answers the API's JSON 404. */
const NOT_CONSOLE = /^\/(api|healthz|metrics|logs)(\/|$|\?)/;

async function newestMtime(p: string): Promise<number> {
  const s = await stat(p).catch(() => undefined);
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of await readdir(p)) newest = Math.max(newest, await newestMtime(path.join(p, entry)));
  return newest;
}

/** The build is missing, or older than one of its sources. */
export async function consoleBuildIsStale(): Promise<boolean> {
  const built = await stat(path.join(DIST, 'index.html')).catch(() => undefined);
  if (!built) return true;
  const sources = await Promise.all(SOURCES.map(newestMtime));
  return Math.max(...sources) > built.mtimeMs;
}

let building: Promise<void> | undefined;

/**
 * Builds the console with Vite's JS API into a temporary folder, then swaps it in: a server
 * starting meanwhile never serves half a build.
 */
export function buildConsole(app: App): Promise<void> {
  building ??= (async () => {
    const started = Date.now();
    app.log.info({ dir: DIST }, 'building the web console (missing or older than its sources)');
    // Vite is a build tool: only loaded when a build is needed.
    const { build } = await import('vite');
    const tmp = await mkdtemp(path.join(WEB_ROOT, '.dist-'));
    await chmod(tmp, 0o755);
    try {
      await build({
        configFile: path.join(WEB_ROOT, 'vite.config.ts'),
        logLevel: 'warn',
        build: { outDir: tmp, emptyOutDir: true },
      });
      await rm(DIST, { recursive: true, force: true });
      await rename(tmp, DIST);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    app.log.info({ ms: Date.now() - started }, 'web console built');
  })().finally(() => {
    building = undefined;
  });
  return building;
}

/**
 * Serves the built React console, building it first when missing or stale so that
 * `npm start` is the only command. Client routes (/databases/x, /login...) get index.html.
 */
export function webConsole(app: App) {
  return async (server: FastifyInstance): Promise<void> => {
    if (await consoleBuildIsStale()) await buildConsole(app);
    await server.register(fastifyStatic, {
      root: DIST,
      prefix: '/',
      // Routes for the files present now (the build is done): unknown paths reach the fallback below.
      wildcard: false,
      index: false,
      setHeaders: (reply, filePath) => {
        // Hashed assets never change; index.html must be revalidated to pick up a new build.
        const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
        reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    server.get('/*', async (request, reply) => {
      if (NOT_CONSOLE.test(request.url)) {
        return reply
          .status(404)
          .send({ error: { code: 'not_found', message: `No route GET ${request.url.split('?')[0]}` } });
      }
      const pathname = request.url.split('?')[0];
      // A file of a newer build (another process rebuilt it): serve it from disk; never index.html for a file.
      if (/\.[a-z0-9]+$/i.test(pathname)) return reply.sendFile(decodeURIComponent(pathname.slice(1)));
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  };
}
