import { z } from 'zod';
import { adminLinks, isLinked, isUsingFullOauth } from '../accounts/admin-links.js';
import { Conflict, NotFound } from '../errors.js';
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
  async run({ app, database, input }) {
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
      if (!isLinked(user, providerId))
        throw new Conflict(`${user.login} is not linked to a central account.`);
      const entry = adminLinks(await listInternalUsers(client), providerId, []).find((e) => e.id === user.id);
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
