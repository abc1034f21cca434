import { z } from 'zod';
import { NotFound, Conflict } from '../errors.js';
import { grantSettingsGroups, signalCacheInvalidation } from '../tenant/admin-rights.js';
import { findDefaultAdmin, findInternalUser } from '../tenant/users.js';
import { defineOperation } from './define.js';
import { int4Id } from './inputs.js';

export const resetAdminRights = defineOperation({
  name: 'reset-admin-rights',
  access: 'admin_rights',
  title: 'Reset admin rights',
  summary:
    'Puts the administrator (base.user_admin, else the oldest internal user, or the user you name) back into Settings and the groups it implies.',
  input: z.object({
    user: int4Id()
      .optional()
      .describe('The user (res_users id); default: the administrator'),
  }),
  async run({ app, database, input }) {
    return app.tenants.withTenantTransaction(database, async (client) => {
      const target =
        input.user === undefined
          ? await findDefaultAdmin(client)
          : await findInternalUser(client, { id: input.user });
      if (!target) {
        throw new NotFound(
          input.user === undefined
            ? `${database.name} has no internal user to make administrator.`
            : `There is no internal user #${input.user} in ${database.name}.`,
        );
      }
      if (!target.active)
        throw new Conflict(`${target.login} is archived: unarchive them before giving them admin rights.`);
      await findInternalUser(client, { id: target.id }, true);
      const groups = await grantSettingsGroups(client, target.id);
      await signalCacheInvalidation(client);
      return {
        user: { id: target.id, login: target.login, name: target.name },
        groups: groups.map((g) => ({ xmlId: g.xmlId, name: g.name, added: g.added })),
      };
    });
  },
});
