import { useState } from 'react';
import { OperationForm } from '../components/OperationForm.js';
import { formatDateTime, relative } from '../format.js';
import { defineToolSection } from './define.js';
import { TenantText } from '../components/TenantText.js';
import type { ImpersonationModel } from '../types.js';

type Model = ImpersonationModel;

interface Started {
  url: string;
  expiresAt: string;
  user: { id: number; login: string; name: string | null };
}

function isStarted(v: unknown): v is Started {
  return !!v && typeof v === 'object' && typeof (v as Started).url === 'string' && !!(v as Started).user;
}

/** A link only for a web address: the URL is built from the tenant's own web.base.url. */
function safeHref(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

function LoginLink({ started }: { started: Started }) {
  const [copied, setCopied] = useState(false);
  const href = safeHref(started.url);
  return (
    <div className="login-link" role="status">
      <p>
        Single-use login link for{' '}
        <strong>
          <TenantText value={started.user.name ?? started.user.login} />
        </strong>
        , valid until{' '}
        {formatDateTime(started.expiresAt)} ({relative(started.expiresAt)}):
      </p>
      <div className="copy-row">
        <input
          className="mono"
          readOnly
          value={started.url}
          aria-label="Login link"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button
          type="button"
          className="button small"
          onClick={() => {
            void navigator.clipboard?.writeText(started.url).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        {href && (
          <a className="button small primary" href={href} target="_blank" rel="noopener noreferrer">
            Open in a new tab
          </a>
        )}
      </div>
    </div>
  );
}

function Impersonation({ model }: { model: Model }) {
  const [started, setStarted] = useState<Started>();
  const candidates = model.users.filter((u) => u.canImpersonate);
  const lockedOut = model.users.some((u) => u.active && u.isAdmin && !u.canImpersonate);
  // The link is shown once, right after it was made, and only while that session runs.
  const link = started && model.active?.userId === started.user.id ? started : undefined;
  return (
    <>
      <p className="explain">
        Sign in to the customer’s database as one of its users to see what they see. Every impersonation is in the
        support log with your name, the user and the reason you give, so write a reason the customer would accept. The
        login link works once and for at most an hour; stop the session when you are done. Impersonating an
        administrator of the database needs the <strong>{model.adminLevel.name}</strong> level.
      </p>
      <div className="table-wrap">
        <table className="compact">
          <caption className="sr-only">Internal users of the database</caption>
          <thead>
            <tr>
              <th scope="col">Login</th>
              <th scope="col">Name</th>
              <th scope="col">Active</th>
              <th scope="col">Last login</th>
              <th scope="col">Administrator</th>
            </tr>
          </thead>
          <tbody>
            {model.users.map((u) => (
              <tr key={u.id} className={model.active?.userId === u.id ? 'current' : undefined}>
                <td className="mono">
                  <TenantText value={u.login} />
                </td>
                <td>
                  <TenantText value={u.name} />
                </td>
                <td>{u.active ? 'yes' : 'archived'}</td>
                <td className="nowrap">{formatDateTime(u.lastLogin)}</td>
                <td>{u.isAdmin ? 'yes' : 'no'}</td>
              </tr>
            ))}
            {model.users.length === 0 && (
              <tr>
                <td colSpan={5} className="empty">
                  No internal user.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {lockedOut && (
        <p className="hint">Administrators are not in the list below: your level cannot impersonate them.</p>
      )}
      {model.active ? (
        <p className="notice">
          You are impersonating{' '}
          <strong>
            <TenantText value={model.active.name ?? model.active.login} />
          </strong>{' '}
          since {formatDateTime(model.active.startedAt)} (reason: <TenantText value={model.active.reason} sentence />
          ); the link{' '}
          {model.active.used ? 'was used' : 'is not used yet'} and expires {relative(model.active.expiresAt)}. Stop it
          from the banner at the top of the page.
        </p>
      ) : null}
      {link && <LoginLink started={link} />}
      {candidates.length > 0 ? (
        <OperationForm
          operation="impersonate"
          fields={{
            user: {
              label: 'User',
              options: candidates.map((u) => ({ value: u.id, label: u.name ? `${u.name} (${u.login})` : u.login })),
            },
            reason: { label: 'Reason', hint: 'Kept in the support log' },
          }}
          submitLabel="Impersonate"
          onDone={(result) => {
            if (isStarted(result)) setStarted(result);
          }}
        />
      ) : (
        <p className="hint">No user your level may impersonate.</p>
      )}
    </>
  );
}

export const impersonationSection = defineToolSection<Model>({
  key: 'impersonation',
  title: 'User Impersonation',
  wide: true,
  Component: ({ model }) => <Impersonation model={model} />,
});
