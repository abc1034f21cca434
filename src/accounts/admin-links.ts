import type { CentralAccountRow } from '../metabase/schema.js';
import type { InternalUser } from '../tenant/users.js';

/**
 * How a tenant user stands towards the platform's central accounts:
 * - `linked`: res_users.oauth_uid set for the platform's provider (auth_oauth.provider_openerp);
 * - `not_linked`: a central account with the same login exists, the user is not linked to it;
 * - `no_account`: no central account has this login, it must be created first;
 * - `full_oauth`: no password, signs in only through OAuth: linking or unlinking would lock them out.
 */
export type AdminLinkStatus = 'linked' | 'not_linked' | 'no_account' | 'full_oauth';

export interface AdminLink {
  id: number;
  login: string;
  name: string | null;
  isAdmin: boolean;
  oauthUid: string | null;
  isUsingFullOauth: boolean;
  /** The only linked user in Settings (base.group_system): unlinking them is refused. */
  isLastAdmin: boolean;
  account: { id: number; login: string } | null;
  status: AdminLinkStatus;
  sentence: string;
}

export function isLinked(user: InternalUser, providerId: number | undefined): boolean {
  return providerId !== undefined && user.oauthProviderId === providerId && !!user.oauthUid;
}

export function isUsingFullOauth(user: InternalUser): boolean {
  return !user.hasPassword && !!user.oauthUid;
}

function sentence(user: InternalUser, status: AdminLinkStatus): string {
  switch (status) {
    case 'full_oauth':
      return `${user.login} uses OAuth to sign in and cannot be linked`;
    case 'linked':
      return `${user.login} is linked to account #${user.oauthUid}`;
    case 'not_linked':
      return `${user.login} is not linked yet`;
    case 'no_account':
      return `${user.login} can not be linked, create it first`;
  }
}

/** The link status of every active internal user, administrators first. */
export function adminLinks(
  users: InternalUser[],
  providerId: number | undefined,
  accounts: CentralAccountRow[],
): AdminLink[] {
  const active = users.filter((u) => u.active);
  const linkedAdmins = active.filter((u) => u.isAdmin && isLinked(u, providerId));
  const byLogin = new Map(accounts.map((a) => [a.login, a]));
  return active
    .map((u) => {
      const account = byLogin.get(u.login);
      const status: AdminLinkStatus = isUsingFullOauth(u)
        ? 'full_oauth'
        : isLinked(u, providerId)
          ? 'linked'
          : account
            ? 'not_linked'
            : 'no_account';
      return {
        id: u.id,
        login: u.login,
        name: u.name,
        isAdmin: u.isAdmin,
        oauthUid: u.oauthUid,
        isUsingFullOauth: isUsingFullOauth(u),
        isLastAdmin: u.isAdmin && isLinked(u, providerId) && linkedAdmins.length === 1,
        account: account ? { id: account.id, login: account.login } : null,
        status,
        sentence: sentence(u, status),
      };
    })
    .sort((a, b) => Number(b.isAdmin) - Number(a.isAdmin) || a.id - b.id);
}
