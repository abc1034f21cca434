import { z } from 'zod';
import { NotFound } from '../../errors.js';
import { gitRepoStatus } from '../../git/status-schema.js';
import { isValidDatabaseName } from '../../hosting/database-name.js';
import { metabaseReads } from '../../metabase/connect.js';
import { findDatabase, searchDatabases } from '../../metabase/repositories/databases.js';
import { pageSupportLogs } from '../../metabase/repositories/support-logs.js';
import { toolsPage } from '../../tools/page.js';
import { instant, jobAnswer } from '../answers.js';
import { defineRoute } from '../route.js';

const nameParam = z.object({ name: z.string().min(1).max(200) });

const mode = z.enum(['trial', 'paid', 'drop']);
const state = z.enum(['creating', 'active', 'removing', 'removed']);

/** One row of the search (src/metabase/repositories/databases.ts DatabaseListItem). */
const databaseListItem = z.object({
  name: z.string(),
  uuid: z.string(),
  mode,
  status: z.string(),
  version: z.string(),
  expire_date: instant.nullable(),
  duplicate_of: z.string().nullable(),
  subcode: z.string().nullable(),
  extra_apps: z.boolean(),
  state,
  server: z.string(),
});

/** The metabase row of the Tools page, with the live e-mail counts, its server's name and the lock. */
const pageDatabase = databaseListItem.extend({
  id: z.number().int(),
  server_id: z.number().int(),
  create_date: instant,
  secure: z.boolean(),
  email_daily_count: z.number(),
  email_daily_limit: z.number(),
  /** null when the tenant cannot be read. */
  ext_email_daily_count: z.number().nullable(),
  email_total_count: z.number(),
  duplicate_limit: z.number(),
  lock_reason: z.string().nullable(),
  status_before_lock: z.string().nullable(),
  last_ping_at: instant.nullable(),
  email_limit_pinned_until: instant.nullable(),
  email_limit_pin_reason: z.string().nullable(),
  rolling_release_locked_until: instant.nullable(),
  locked: z.boolean(),
});

/**
 * A tool's section: each tool builds its own model (src/tools/), which the console reads with that
 * tool's type; here only what every section may carry is named, and the rest passes as the tool wrote it.
 */
const toolModel = z.looseObject({
  /**
   * The section could not be loaded (tenant unreachable...): shown instead of its content. A
   * section may also carry its own `error: null` (the dump section: a dump that did not fail).
   */
  error: z.string().nullable().optional(),
  validationNumber: z.string().optional(),
});

const toolsPageAnswer = z.object({
  database: pageDatabase,
  /** The long job running on this database, so a refreshed page shows its progress again. */
  job: jobAnswer.extend({ readable: z.boolean() }).nullable(),
  level: z.object({ value: z.number().int(), name: z.string() }),
  tools: z.record(z.string(), toolModel),
  git: z.array(gitRepoStatus).optional(),
});

const supportLogEntry = z.object({
  id: z.number().int(),
  at: instant,
  agent_id: z.number().int().nullable(),
  agent_login: z.string(),
  agent_level: z.number().int(),
  operation: z.string(),
  database_name: z.string(),
  inputs: z.record(z.string(), z.unknown()),
  outcome: z.enum(['success', 'failure']),
  message: z.string().nullable(),
  request_id: z.string().nullable(),
  prev_hash: z.string(),
  hash: z.string(),
});

export const databaseRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/databases',
    summary: 'Search databases: a name substring, a uuid prefix or a subscription code',
    tag: 'databases',
    auth: 'agent',
    query: z.object({
      q: z.string().max(100).optional(),
      mode: z.enum(['trial', 'paid', 'drop']).optional(),
      status: z.string().max(100).optional(),
      // One server or several: `server=a&server=b` or `server=a,b`.
      server: z.union([z.string().max(1000), z.array(z.string().max(100)).max(50)]).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: z.object({ items: z.array(databaseListItem), nextCursor: z.string().nullable() }) },
    async handler({ app, query }) {
      const servers = [query.server ?? []]
        .flat()
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean);
      // Reads on the shared pipelined connections: fifty agents typing do not queue for the pool.
      const items = await searchDatabases(metabaseReads(app.metabase), {
        ...query,
        q: query.q?.trim() || undefined,
        server: servers,
        after: query.cursor,
      });
      return { items, nextCursor: items.length === query.limit ? items[items.length - 1].name : null };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/databases/:name',
    summary: 'The Tools page model of one database',
    tag: 'databases',
    auth: 'agent',
    params: nameParam,
    responses: { 200: toolsPageAnswer },
    handler: ({ app, agent, params }) => toolsPage(app, agent, params.name),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/databases/:name/support-logs',
    summary: 'History of the support operations on a database, newest first, 25 a page',
    tag: 'databases',
    auth: 'agent',
    access: 'support_logs',
    params: nameParam,
    query: z.object({ page: z.coerce.number().int().min(1).max(1_000_000).default(1) }),
    responses: {
      200: z.object({ entries: z.array(supportLogEntry), page: z.number().int(), pages: z.number().int() }),
    },
    async handler({ app, params, query }) {
      if (!isValidDatabaseName(params.name) || !(await findDatabase(app.metabase, params.name))) {
        throw new NotFound(`There is no database named "${params.name}".`);
      }
      return pageSupportLogs(app.metabase, params.name, query.page);
    },
  }),
];
