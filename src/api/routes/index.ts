import type { AnyRoute } from '../route.js';
import { databaseRoutes } from './databases.js';
import { dumpRoutes } from './dumps.js';
import { impersonationRoutes } from './impersonation.js';
import { jobRoutes } from './jobs.js';
import { logRoutes } from './logs.js';
import { openApiRoute } from './openapi.js';
import { operationRoutes } from './operations.js';
import { serverRoutes } from './servers.js';
import { sessionRoutes } from './session.js';
import { supportLogRoutes } from './support-logs.js';
import { systemRoutes } from './system.js';
import { tokenRoutes } from './tokens.js';

/**
 * Every route, each keeping its own types: src/api/contract.ts reads them into the clients' contract.
 * The OpenAPI route is handed the list as AnyRoute (a typed return breaks the self-reference).
 */
export const routes = [
  ...sessionRoutes,
  ...tokenRoutes,
  ...databaseRoutes,
  ...operationRoutes,
  ...jobRoutes,
  ...impersonationRoutes,
  ...dumpRoutes,
  ...supportLogRoutes,
  ...logRoutes,
  ...serverRoutes,
  ...systemRoutes,
  openApiRoute(documented),
];

function documented(): readonly AnyRoute[] {
  return routes as readonly AnyRoute[];
}
