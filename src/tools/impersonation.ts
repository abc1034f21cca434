import { IMPERSONATION_ADMIN_ACCESS } from '../impersonation/sessions.js';
import { activeImpersonations } from '../metabase/repositories/impersonations.js';
import { findDefaultAdmin } from '../tenant/users.js';
import { pageInternalUsers } from './internal-users.js';
import { defineTool } from './define.js';

/**
 * impersonation: the internal users one may sign in as, and the agent's own active session
 * (the banner and the Stop button).
 */
export const impersonationTool = defineTool({
  key: 'impersonation',
  async model({ app, database, agent, now }) {
    const [session] = await activeImpersonations(app.metabase, database.name, agent.id, now);
    const users = await pageInternalUsers(app, database);
    const mayImpersonateAdmins = app.policy.allows(agent.level, IMPERSONATION_ADMIN_ACCESS);
    const adminLevel = app.policy.minimumLevel(IMPERSONATION_ADMIN_ACCESS);
    return {
      users: users.map((u) => ({
        id: u.id,
        login: u.login,
        name: u.name,
        active: u.active,
        lastLogin: u.lastLogin,
        isAdmin: u.isAdmin,
        canImpersonate: u.active && (!u.isAdmin || mayImpersonateAdmins),
      })),
      adminLevel: { value: adminLevel, name: app.policy.levelName(adminLevel) },
      active: session
        ? {
            userId: session.user_id,
            login: session.user_login,
            name: session.user_name,
            reason: session.reason,
            startedAt: session.created_at,
            expiresAt: session.expires_at,
            used: session.used_at !== null,
          }
        : null,
      banner: session
        ? `You are currently impersonating: ${session.user_name ? `${session.user_name} (${session.user_login})` : session.user_login}`
        : null,
    };
  },
});

/** admin_rights: who reset-admin-rights would restore by default, and whether they need it. */
export const adminRightsTool = defineTool({
  key: 'admin_rights',
  async model({ app, database }) {
    const [admin, users] = await Promise.all([
      app.tenants.withTenant(database, findDefaultAdmin),
      pageInternalUsers(app, database),
    ]);
    return {
      administrator: admin
        ? { id: admin.id, login: admin.login, name: admin.name, isAdmin: admin.isAdmin }
        : null,
      users: users
        .filter((u) => u.active)
        .map((u) => ({ id: u.id, login: u.login, name: u.name, isAdmin: u.isAdmin })),
    };
  },
});
