import { OperationForm } from '../components/OperationForm.js';
import { defineToolSection } from './define.js';
import { TenantText } from '../components/TenantText.js';
import type { AdminRightsModel } from '../types.js';

type Model = AdminRightsModel;
type User = Model['users'][number];

const label = (u: User) => (u.name ? `${u.name} (${u.login})` : u.login);

export const adminRightsSection = defineToolSection<Model>({
  key: 'admin_rights',
  title: 'Admin Rights',
  Component: ({ model }) => {
    const admin = model.administrator;
    return (
      <>
        <p className="explain">
          A customer who removed their own administrator from Settings can no longer manage users or apps, and nobody
          in the database can give the rights back. Resetting puts the administrator back into Settings
          (base.group_system) and the groups it implies (Access Rights, Internal User), all at once. Pick another user
          only when the customer asks for that user.
        </p>
        <dl className="facts">
          <dt>Administrator</dt>
          <dd>{admin ? <TenantText value={label(admin)} /> : 'none (no internal user)'}</dd>
          <dt>In Settings</dt>
          <dd>{admin ? (admin.isAdmin ? 'yes' : 'no — lost the Settings rights') : '—'}</dd>
        </dl>
        <div className="table-wrap">
          <table className="compact">
            <caption className="sr-only">Active internal users and whether they are in Settings</caption>
            <thead>
              <tr>
                <th scope="col">Login</th>
                <th scope="col">Name</th>
                <th scope="col">In Settings</th>
              </tr>
            </thead>
            <tbody>
              {model.users.map((u) => (
                <tr key={u.id}>
                  <td className="mono">
                    <TenantText value={u.login} />
                  </td>
                  <td>
                    <TenantText value={u.name} />
                  </td>
                  <td>{u.isAdmin ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {model.users.length > 0 && (
          <OperationForm
            operation="reset-admin-rights"
            fields={{
              user: {
                label: 'User',
                options: model.users.map((u) => ({ value: u.id, label: label(u) })),
                defaultValue: admin?.id,
              },
            }}
          />
        )}
      </>
    );
  },
});
