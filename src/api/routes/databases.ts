import { z } from 'zod';
import { NotFound } from '../../errors.js';
import { isValidDatabaseName } from '../../hosting/database-name.js';
import { metabaseReads } from '../../metabase/connect.js';
import { findDatabase, searchDatabases } from '../../metabase/repositories/databases.js';
import { pageSupportLogs } from '../../metabase/repositories/support-logs.js';
import { toolsPage } from '../../tools/page.js';
import { defineRoute } from '../route.js';

const nameParam = z.object({ name: z.string().min(1).max(200) });

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
    async handler({ app, query }) {
      const servers = [query.server ?? []].flat().flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
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
    async handler({ app, params, query }) {
      if (!isValidDatabaseName(params.name) || !(await findDatabase(app.metabase, params.name))) {
        throw new NotFound(`There is no database named "${params.name}".`);
      }
      return pageSupportLogs(app.metabase, params.name, query.page);
    },
  }),
];
