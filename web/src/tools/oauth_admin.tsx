import { OperationForm } from '../components/OperationForm.js';
import { defineToolSection } from './define.js';

interface Admin {
  id: number;
  login: string;
  name: string | null;
  isAdmin: boolean;
  oauthUid: string | null;
  isUsingFullOauth: boolean;
  isLastAdmin: boolean;
  account: { id: number; login: string } | null;
  status: 'linked' | 'not_linked' | 'no_account' | 'full_oauth';
  sentence: string;
}

interface Model {
  admins: Admin[];
}

function Actions({ admin }: { admin: Admin }) {
  if (admin.status === 'not_linked') {
    return (
      <OperationForm
        operation="link-admin"
        fixed={{ login: admin.login }}
        submitLabel="Link"
        legend={`Link ${admin.login}`}
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

export const oauthAdminSection = defineToolSection<Model>({
  key: 'oauth_admin',
  title: 'Admin Users and Central Accounts',
  wide: true,
  Component: ({ model }) => (
    <>
      <p className="explain">
        Linking a user to the customer’s central account (the one with exactly the same login) lets them sign in with
        it; a user whose login has no central account cannot be linked until that account is created. A user who has
        no password and signs in only through OAuth must stay as they are. The last administrator linked to a central
        account cannot be unlinked: link another administrator first, so the customer keeps a way in.
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
                <td className="mono nowrap">{a.login}</td>
                <td>{a.name ?? '—'}</td>
                <td>{a.isAdmin ? 'yes' : 'no'}</td>
                <td>{a.account ? `#${a.account.id}` : '—'}</td>
                <td>
                  {a.sentence}
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
