import { z } from 'zod';
import { isUsingFullOauth, linkSentence, linkStatus } from '../accounts/admin-links.js';
import { Conflict, NotFound } from '../errors.js';
import { findAccountByLogin } from '../metabase/repositories/central-accounts.js';
import { listOauthProviders, oauthUidHolder, platformProviderId, setOauthLink } from '../tenant/oauth.js';
import { findInternalUser } from '../tenant/users.js';
import { defineOperation } from './define.js';

export const linkAdmin = defineOperation({
  name: 'link-admin',
  access: 'oauth_admin',
  title: 'Link a user to a central account',
  summary:
    'Links the user to the platform account with the same login, so they sign in with it. A link to another provider or another account is kept unless you ask to replace it.',
  input: z.object({
    login: z.string().min(1).max(256).describe('The user login (the central account has the same one)'),
    replace: z
      .boolean()
      .default(false)
      .describe('Replace the existing link (another provider, another account)'),
  }),
  async run({ app, tx, database, input }) {
    const account = await findAccountByLogin(tx, input.login);
    return app.tenants.withTenantTransaction(database, async (client) => {
      const user = await findInternalUser(client, { login: input.login }, true);
      if (!user)
        throw new NotFound(`There is no internal user with the login ${input.login} in ${database.name}.`);
      if (!user.active) throw new Conflict(`${user.login} is archived and cannot be linked.`);
      if (isUsingFullOauth(user))
        throw new Conflict(`${user.login} uses OAuth to sign in and cannot be linked.`);
      if (!account)
        throw new Conflict(
          `${user.login} can not be linked: there is no central account with this login, create it first.`,
        );
      const providerId = await platformProviderId(client);
      if (providerId === undefined) {
        throw new Conflict(
          `${database.name} has no platform OAuth provider (auth_oauth.provider_openerp): install auth_oauth first.`,
        );
      }
      const linkedAccount = { id: account.id, login: account.login };
      const status = linkStatus(user, providerId, account);
      if (status === 'linked') return { login: user.login, account: linkedAccount, changed: false, replaced: null };
      // Another provider's or another account's link is how this user signs in today: overwriting
      // it silently would lock them out of that sign-in.
      const previous =
        status === 'other_provider' || status === 'other_account'
          ? { providerId: user.oauthProviderId, oauthUid: user.oauthUid }
          : null;
      if (previous && !input.replace) {
        const providerName = (await listOauthProviders(client)).find((p) => p.id === user.oauthProviderId)?.name;
        throw new Conflict(
          `${linkSentence(user, status, providerName)}: tick “replace” to link it to account #${account.id} instead.`,
        );
      }
      const uid = String(account.id);
      const holder = await oauthUidHolder(client, providerId, uid);
      if (holder && holder.id !== user.id) {
        throw new Conflict(`Account #${account.id} is already linked to ${holder.login} in this database.`);
      }
      await setOauthLink(client, user.id, providerId, uid);
      return { login: user.login, account: linkedAccount, changed: true, replaced: previous };
    });
  },
});
