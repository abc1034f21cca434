import type { CentralAccountRow } from '../metabase/schema.js';
import type { OauthProvider } from '../tenant/oauth.js';
import type { InternalUser } from '../tenant/users.js';

/**
 * How a tenant user stands towards the platform's central accounts, in auth_oauth's terms: a user
 * signs in through OAuth with the pair (res_users.oauth_provider_id, res_users.oauth_uid).
 * - `linked`: the platform's provider (auth_oauth.provider_openerp) AND the user's own central
 *   account id (the account with exactly the same login) as oauth_uid;
 * - `other_provider`: linked to another provider (Google, Facebook, a custom one);
 * - `other_account`: the platform's provider, but an oauth_uid that is not their own account's id;
 * - `not_linked`: a central account with the same login exists, the user has no OAuth link;
 * - `no_account`: no central account has this login, it must be created first;
 * - `full_oauth`: no password, signs in only through OAuth: linking or unlinking would lock them out.
 */
export type AdminLinkStatus = 'linked' | 'other_provider' | 'other_account' | 'not_linked' | 'no_account' | 'full_oauth';

export interface AdminLink {
  id: number;
  login: string;
  name: string | null;
  isAdmin: boolean;
  oauthUid: string | null;
  /** The provider the user is linked to, whichever it is (null without a link). */
  provider: { id: number; name: string; isPlatform: boolean } | null;
  isUsingFullOauth: boolean;
  /** The only linked user in Settings (base.group_system): unlinking them is refused. */
  isLastAdmin: boolean;
  account: { id: number; login: string } | null;
  status: AdminLinkStatus;
  sentence: string;
}

/** The OAuth link a user has, to any provider: auth_oauth needs both halves of the pair. */
function hasOauthLink(user: InternalUser): boolean {
  return user.oauthProviderId !== null && !!user.oauthUid;
}

/** Linked in Odoo's meaning: the platform provider and the user's own central account id. */
export function isLinked(
  user: InternalUser,
  platformProviderId: number | undefined,
  account: { id: number } | undefined,
): boolean {
  return (
    platformProviderId !== undefined &&
    account !== undefined &&
    user.oauthProviderId === platformProviderId &&
    user.oauthUid === String(account.id)
  );
}

export function isUsingFullOauth(user: InternalUser): boolean {
  return !user.hasPassword && !!user.oauthUid;
}

/** The status of one user, given the platform provider and the central account of their login. */
export function linkStatus(
  user: InternalUser,
  platformProviderId: number | undefined,
  account: { id: number } | undefined,
): AdminLinkStatus {
  if (isUsingFullOauth(user)) return 'full_oauth';
  if (isLinked(user, platformProviderId, account)) return 'linked';
  if (hasOauthLink(user)) return user.oauthProviderId === platformProviderId ? 'other_account' : 'other_provider';
  return account ? 'not_linked' : 'no_account';
}

/** What the user's current link is, for the agent: the reason link-admin refuses to overwrite it. */
export function linkSentence(user: InternalUser, status: AdminLinkStatus, providerName: string | undefined): string {
  switch (status) {
    case 'full_oauth':
      return `${user.login} uses OAuth to sign in and cannot be linked`;
    case 'linked':
      return `${user.login} is linked to account #${user.oauthUid}`;
    case 'other_provider':
      return `${user.login} is linked to another provider: ${providerName ?? `#${user.oauthProviderId}`}`;
    case 'other_account':
      return `${user.login} is linked to another account (uid ${user.oauthUid})`;
    case 'not_linked':
      return `${user.login} is not linked yet`;
    case 'no_account':
      return `${user.login} can not be linked, create it first`;
  }
}

/** The link status of every active internal user, administrators first. */
export function adminLinks(
  users: InternalUser[],
  platformProviderId: number | undefined,
  providers: OauthProvider[],
  accounts: CentralAccountRow[],
): AdminLink[] {
  const active = users.filter((u) => u.active);
  const byLogin = new Map(accounts.map((a) => [a.login, a]));
  const providerById = new Map(providers.map((p) => [p.id, p]));
  const linkedAdmins = active.filter((u) => u.isAdmin && isLinked(u, platformProviderId, byLogin.get(u.login)));
  return active
    .map((u) => {
      const account = byLogin.get(u.login);
      const status = linkStatus(u, platformProviderId, account);
      const provider = hasOauthLink(u) ? providerById.get(u.oauthProviderId!) : undefined;
      return {
        id: u.id,
        login: u.login,
        name: u.name,
        isAdmin: u.isAdmin,
        oauthUid: u.oauthUid,
        provider: provider
          ? { id: provider.id, name: provider.name, isPlatform: provider.id === platformProviderId }
          : null,
        isUsingFullOauth: isUsingFullOauth(u),
        isLastAdmin: status === 'linked' && u.isAdmin && linkedAdmins.length === 1,
        account: account ? { id: account.id, login: account.login } : null,
        status,
        sentence: linkSentence(u, status, provider?.name),
      };
    })
    .sort((a, b) => Number(b.isAdmin) - Number(a.isAdmin) || a.id - b.id);
}
