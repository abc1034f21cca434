import { z } from 'zod';
import { adminLinks, isUsingFullOauth } from '../accounts/admin-links.js';
import { Conflict, NotFound } from '../errors.js';
import { findAccountsByLogins } from '../metabase/repositories/central-accounts.js';
import { clearOauthLink, platformProviderId } from '../tenant/oauth.js';
import { findInternalUser, listInternalUsers } from '../tenant/users.js';
import { defineOperation } from './define.js';

export const unlinkAdmin = defineOperation({
  name: 'unlink-admin',
  access: 'oauth_admin',
  title: 'Unlink a user from their central account',
  summary:
    'Removes the link to the platform account; refused for the last linked administrator and for OAuth-only users.',
  input: z.object({ login: z.string().min(1).max(256).describe('The user login') }),
  async run({ app, tx, database, input }) {
    return app.tenants.withTenantTransaction(database, async (client) => {
      const user = await findInternalUser(client, { login: input.login }, true);
      if (!user)
        throw new NotFound(`There is no internal user with the login ${input.login} in ${database.name}.`);
      if (isUsingFullOauth(user)) {
        throw new Conflict(
          `${user.login} uses OAuth to sign in (no password): unlinking would lock them out.`,
        );
      }
      const providerId = await platformProviderId(client);
      // A link to the platform's provider, right or wrong account, can be removed; another
      // provider's link is the customer's own sign-in, not ours to remove.
      if (providerId === undefined || user.oauthProviderId !== providerId || !user.oauthUid)
        throw new Conflict(`${user.login} is not linked to a central account.`);
      const users = await listInternalUsers(client);
      const accounts = await findAccountsByLogins(tx, [...new Set(users.map((u) => u.login))]);
      const entry = adminLinks(users, providerId, [], accounts).find((e) => e.id === user.id);
      if (entry?.isLastAdmin) {
        throw new Conflict(
          `${user.login} is the last administrator linked to a central account: link another administrator first.`,
        );
      }
      await clearOauthLink(client, user.id);
      return { login: user.login, account: user.oauthUid };
    });
  },
});
