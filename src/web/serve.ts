import type { FastifyInstance } from 'fastify';
import type { App } from '../app.js';

/** Serves the built React console; the web console issue fills this in. */
export function webConsole(_app: App) {
  return async (_server: FastifyInstance): Promise<void> => {};
}
