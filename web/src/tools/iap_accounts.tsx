import { OperationForm } from '../components/OperationForm.js';
import { formatNumber } from '../format.js';
import { useToolsPage } from './context.js';
import { defineToolSection } from './define.js';
import { TenantText } from '../components/TenantText.js';
import type { IapAccountsModel } from '../types.js';

type Model = IapAccountsModel;

export const iapAccountsSection = defineToolSection<Model>({
  key: 'iap_accounts',
  title: 'IAP Accounts',
  wide: true,
  Component: ({ model }) => {
    const { policy } = useToolsPage();
    const needed = policy?.accessMap.iap_credits;
    const grantLevel = policy?.levels.find((l) => l.value === needed)?.name ?? 'SaaS Office';
    const grantable = model.accounts.filter((a) => a.token && a.service);
    return (
      <>
        <p className="explain">
          In-app purchase accounts (SMS, document digitization, partner autocomplete…) and their credits on the
          platform’s ledger. Granting credits is a commercial gesture: it needs the {grantLevel} level, a reason, and at
          most {formatNumber(model.grant.maxCredits)} credits at a time — more is a sale, not support.
        </p>
        <div className="table-wrap">
          <table className="compact">
            <caption className="sr-only">IAP accounts of the database</caption>
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">Service</th>
                <th scope="col">Account token</th>
                <th scope="col">Companies</th>
                <th scope="col">Balance</th>
              </tr>
            </thead>
            <tbody>
              {model.accounts.map((a) => (
                <tr key={a.id}>
                  <td>{a.id}</td>
                  <td className="mono">
                    <TenantText value={a.service} />
                  </td>
                  <td className="mono">
                    <TenantText value={a.token} />
                  </td>
                  <td>{a.companies.length ? <TenantText value={a.companies.map((c) => c.name).join(', ')} sentence /> : 'all'}</td>
                  <td>{formatNumber(a.balance)}</td>
                </tr>
              ))}
              {model.accounts.length === 0 && (
                <tr>
                  <td colSpan={5} className="empty">
                    No IAP account.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        {model.grant.allowed && grantable.length > 0 && (
          <OperationForm
            operation="grant-iap-credits"
            fields={{
              account: {
                label: 'Account',
                options: grantable.map((a) => ({ value: a.id, label: `#${a.id} ${a.service ?? ''}` })),
              },
              credits: { label: 'Credits', min: 1, max: model.grant.maxCredits, hint: `At most ${formatNumber(model.grant.maxCredits)}` },
              reason: { label: 'Reason', hint: 'Kept in the ledger and the support log' },
            }}
          />
        )}
        {!model.grant.allowed && <p className="hint">Granting credits needs the {grantLevel} level.</p>}
      </>
    );
  },
});
