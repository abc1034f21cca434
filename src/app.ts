import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import type { MetabaseDb } from './metabase/connect.js';
import type { Policy } from './policy/policy.js';
import type { TenantAccess } from './tenant/access.js';

/**
 * What operations, tools, jobs and routes are given: the running platform. Built once in
 * `createApp`; tests build it on their own cluster.
 */
export interface App {
  config: Config;
  metabase: MetabaseDb;
  policy: Policy;
  tenants: TenantAccess;
  log: Logger;
  /** Signs what leaves the server (links, tokens) and derives validation numbers. */
  secret: Buffer;
  now(): Date;
}
