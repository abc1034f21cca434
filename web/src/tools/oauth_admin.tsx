import { OperationForm } from '../components/OperationForm.js';
import { TenantText } from '../components/TenantText.js';
import type { OauthAdminModel } from '../types.js';
import { defineToolSection } from './define.js';

type Admin = OauthAdminModel['admins'][number];

function Actions({ admin }: { admin: Admin }) {
  if (admin.status === 'not_linked') {
    return (
      <OperationForm
        operation="link-admin"
        fixed={{ login: admin.login, replace: false }}
        submitLabel="Link"
        legend={`Link ${admin.login}`}
        compact
      />
    );
  }
  if (admin.status === 'other_provider' || admin.status === 'other_account') {
    // How the user signs in today: replacing it is a choice the agent makes knowingly.
    return (
      <OperationForm
        operation="link-admin"
        fixed={{ login: admin.login }}
        fields={{ replace: { label: 'Replace the existing link' } }}
        submitLabel="Link"
        legend={`Link ${admin.login} to their central account`}
        confirmWhen={(input) => input.replace === true}
        confirmLabel="Replace the link"
        confirm={
          <p>
            <TenantText value={admin.sentence} sentence />. Replacing it links the user to account #{admin.account?.id} instead:
            they will no longer sign in through their current link.
          </p>
        }
        compact
      />
    );
  }
  if (admin.status === 'linked') {
    return (
      <OperationForm
        operation="unlink-admin"
        fixed={{ login: admin.login }}
        submitLabel="Unlink"
        legend={`Unlink ${admin.login}`}
        compact
      />
    );
  }
  return <span className="muted">—</span>;
}

export const oauthAdminSection = defineToolSection<OauthAdminModel>({
  key: 'oauth_admin',
  title: 'Admin Users and Central Accounts',
  wide: true,
  Component: ({ model }) => (
    <>
      <p className="explain">
        Linking a user to the customer’s central account (the one with exactly the same login) lets them sign in with
        it; a new database’s first administrator is linked to their central account by default. Linked means the
        platform’s provider and the user’s own account: a link to another provider (Google…) or to another account is
        shown as it is, and is replaced only when you tick “Replace the existing link”. A user whose login has no
        central account cannot be linked until that account is created. A user who has no password and signs in only
        through OAuth must stay as they are. The last administrator linked to a central account cannot be unlinked:
        link another administrator first, so the customer keeps a way in.
      </p>
      <div className="table-wrap">
        <table className="compact">
          <caption className="sr-only">Internal users and their central accounts</caption>
          <thead>
            <tr>
              <th scope="col">Login</th>
              <th scope="col">Name</th>
              <th scope="col">In Settings</th>
              <th scope="col">Central account</th>
              <th scope="col">Status</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {model.admins.map((a) => (
              <tr key={a.id} data-login={a.login}>
                <td className="mono nowrap">
                  <TenantText value={a.login} />
                </td>
                <td>
                  <TenantText value={a.name} />
                </td>
                <td>{a.isAdmin ? 'yes' : 'no'}</td>
                <td>{a.account ? `#${a.account.id}` : '—'}</td>
                <td>
                  <TenantText value={a.sentence} />
                  {a.isLastAdmin && <div className="sub">Last linked administrator</div>}
                </td>
                <td>
                  <Actions admin={a} />
                </td>
              </tr>
            ))}
            {model.admins.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No active internal user.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </>
  ),
});
