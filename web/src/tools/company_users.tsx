import { defineToolSection } from './define.js';
import { TenantText } from '../components/TenantText.js';
import type { CompanyUsersModel } from '../types.js';

type Model = CompanyUsersModel;

export const companyUsersSection = defineToolSection<Model>({
  key: 'company_users',
  title: 'Companies',
  wide: true,
  Component: ({ model }) => (
    <>
      <p className="explain">
        The companies of the database, with the number of active internal users allowed in each. A user sees a
        company’s records only when allowed in it: check here first when a customer says a colleague cannot see
        another company’s documents.
      </p>
      <div className="table-wrap">
        <table className="compact">
          <caption className="sr-only">Companies of the database</caption>
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col">Name</th>
              <th scope="col">Parent company</th>
              <th scope="col">Currency</th>
              <th scope="col">Active</th>
              <th scope="col">Internal users</th>
            </tr>
          </thead>
          <tbody>
            {model.companies.map((c) => (
              <tr key={c.id}>
                <td>{c.id}</td>
                <td>
                  <TenantText value={c.name} />
                </td>
                <td>
                  <TenantText value={c.parent?.name} />
                </td>
                <td>
                  <TenantText value={c.currency} />
                </td>
                <td>{c.active ? 'yes' : 'archived'}</td>
                <td>{c.internalUsers}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  ),
});
