import type { AnyRoute } from '../route.js';
import { databaseRoutes } from './databases.js';
import { dumpRoutes } from './dumps.js';
import { impersonationRoutes } from './impersonation.js';
import { jobRoutes } from './jobs.js';
import { logRoutes } from './logs.js';
import { operationRoutes } from './operations.js';
import { sessionRoutes } from './session.js';
import { systemRoutes } from './system.js';

export const routes: AnyRoute[] = [
  ...sessionRoutes,
  ...databaseRoutes,
  ...operationRoutes,
  ...jobRoutes,
  ...impersonationRoutes,
  ...dumpRoutes,
  ...logRoutes,
  ...systemRoutes,
] as AnyRoute[];
