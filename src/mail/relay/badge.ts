import type { App } from '../../app.js';
import type { DatabaseRow } from '../../metabase/schema.js';
import { emailBadge, type EmailBadge } from '../../policy/email-badge.js';
import { readUsage } from '../../tenant/usage.js';
import { emailHistory, type EmailDay } from './usage.js';

/** A database's trust badge from its relay history and its installed applications. */
export async function databaseBadge(
  app: App,
  database: DatabaseRow,
  now: Date,
): Promise<{ badge: EmailBadge; days: EmailDay[] }> {
  const [history, apps] = await Promise.all([
    emailHistory(app, database, now),
    app.tenants
      .withTenant(database, (c) => readUsage(c, now))
      .then(
        (u) => u.apps,
        () => null,
      ),
  ]);
  const badge = emailBadge(
    {
      days: history.rows,
      today: history.today,
      mode: database.mode,
      createDate: new Date(database.create_date),
      now,
      apps,
    },
    app.config.emailBadge,
  );
  return { badge, days: history.days };
}
