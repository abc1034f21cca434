import type { App } from '../app.js';
import { metabaseReads } from '../metabase/connect.js';
import { DomainError, NotFound } from '../errors.js';
import { isValidDatabaseName } from '../hosting/database-name.js';
import { findDatabase } from '../metabase/repositories/databases.js';
import { activeJobOf } from '../metabase/repositories/jobs.js';
import { jobSeenBy } from '../jobs/job-access.js';
import type { AgentRow } from '../metabase/schema.js';
import { isLocked } from '../lifecycle/maintenance-lock.js';
import { serverGitStatus } from '../git/server-status.js';
import { emailUsage } from '../mail/relay/usage.js';
import type { ToolContext, ToolSection } from './define.js';
import { tools } from './index.js';

/**
 * The Tools page model: the database's status and metabase fields, and one entry per tool
 * the agent's level allows and whose condition holds. A tool that fails (tenant unreachable)
 * gets `{error}` instead of breaking the page.
 */
export function toolsPage(app: App, agent: AgentRow, name: string) {
  // The sections load in parallel; their metabase reads and their tenant reads go to connections
  // shared with the other pages loading, pipelined: one round trip per step, not one per query.
  return app.tenants.shareReads(() =>
    pageModel({ ...app, metabase: metabaseReads(app.metabase) }, agent, name),
  );
}

async function pageModel(app: App, agent: AgentRow, name: string) {
  const database = isValidDatabaseName(name) ? await findDatabase(app.metabase, name) : undefined;
  if (!database) throw new NotFound(`There is no database named "${name}".`);
  const now = app.now();
  const [server, job, email] = await Promise.all([
    app.tenants.server(database.server_id),
    activeJobOf(app.metabase, database.name),
    emailUsage(app, database, now),
  ]);
  const ctx: ToolContext = {
    app,
    database,
    agent,
    limits: app.policy.limits(agent.level),
    now,
    validationNumber: (operation) => app.policy.validationNumber(agent.id, database.name, operation, now),
  };
  const visible = tools.filter(
    (t) => app.policy.allows(agent.level, t.key) && (t.applies?.(database) ?? true),
  );
  // The deployed code's git status is technical information: it goes with the technical logs.
  const git = app.policy.allows(agent.level, 'tech_logs')
    ? serverGitStatus.of(app.config, server.name)
    : undefined;
  const models = await Promise.all(
    visible.map(async (t) => {
      try {
        return [t.key, await t.model(ctx)] as const;
      } catch (e) {
        if (!(e instanceof DomainError))
          app.log.error({ err: e, tool: t.key, database: name }, 'tool model failed');
        return [
          t.key,
          { error: e instanceof DomainError ? e.message : 'This section could not be loaded.' },
        ] as const;
      }
    }),
  );
  return {
    // The e-mail counts are live (relay and tenant), not the row's stored columns.
    database: { ...database, ...email, server: server.name, locked: isLocked(database) },
    /** The long job running on this database, so a refreshed page shows its progress again. */
    job: job ? jobSeenBy(app, agent, job) : null,
    level: { value: agent.level, name: app.policy.levelName(agent.level) },
    // Each model has its tool's own type (the console reads it as ToolModelOf that tool).
    tools: Object.fromEntries(models) as Record<string, ToolSection>,
    ...(git && { git: await git }),
  };
}
