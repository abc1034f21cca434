import { Link } from 'react-router';
import { OperationForm } from '../components/OperationForm.js';
import { TenantText } from '../components/TenantText.js';
import { formatDateTime } from '../format.js';
import { tenantPlainText } from '../tenant-text.js';
import { defineToolSection } from './define.js';
import type { MigrationModel } from '../types.js';

type Model = MigrationModel;
type Request = Model['history'][number];

const MODE_LABELS: Record<Request['mode'], string> = {
  internal: 'Internal',
  copy: 'Copy',
  production: 'Production',
  rolling: 'Rolling Release',
};

/** A link only to a web address (the upgrade platform's page is built by the server from its configuration). */
function safeHref(url: string | null): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

const UPGRADE_JOBS = ['upgrade'];

export const upgradeRequestSection = defineToolSection<Model>({
  key: 'migration',
  id: 'upgrade-request',
  title: 'Upgrade Request',
  jobKinds: UPGRADE_JOBS,
  Component: ({ model, page }) => {
    if (model.targets.length === 0) {
      return <p className="notice">No higher version available at this time.</p>;
    }
    const productionHint = model.productionAllowedBySize
      ? 'Production needs one successful test upgrade (Internal or Copy) to the same version first.'
      : 'Production is refused at your level: the filestore is too big for an unsupervised upgrade.';
    return (
      <>
        <p className="explain">
          The database (on {model.version}) is sent to the upgrade platform, which moves it to the chosen
          version. <strong>Internal</strong> makes a new upgraded database in the customer’s list without
          e-mail; <strong>Copy</strong> makes an upgraded, neutralized test copy and e-mails its link;{' '}
          <strong>Production</strong> upgrades the database itself, with downtime: it is locked, a safety
          backup is taken and the upgraded database is swapped in place. {productionHint}
        </p>
        {model.filestoreTooBig && (
          <div className="banner drop" role="note">
            <p>
              <strong>Filestore too big for unsupervised production upgrade.</strong> A production upgrade of
              this database needs SaaS Office (level 4).
            </p>
          </div>
        )}
        <LatestRequest r={model.history[0]} />
        <OperationForm
          operation="request-upgrade"
          legend={`Upgrade ${page.database.name}`}
          submitLabel="Request the upgrade"
          fields={{
            target: { label: 'Target version', options: model.targets.map((t) => ({ value: t, label: t })) },
            mode: {
              label: 'Mode',
              options: [
                { value: 'copy', label: 'Copy (test copy, e-mailed)' },
                { value: 'internal', label: 'Internal (no e-mail)' },
                { value: 'production', label: 'Production (in place, downtime)' },
              ],
            },
            email: {
              label: 'E-mail address (optional)',
              hint: 'Receives every e-mail of this upgrade instead of the customer',
            },
          }}
        />
      </>
    );
  },
});

/**
 * The newest request where it was made: after "Request the upgrade" the agent sees its state here
 * (the section refreshes with the page), not only in the history further down.
 */
function LatestRequest({ r }: { r: Request | undefined }) {
  if (!r) return null;
  return (
    <p className={r.state === 'Failed' ? 'error' : 'notice'} role="status" aria-live="polite">
      <strong>
        Latest request #{r.id}: {r.state}
      </strong>{' '}
      — {MODE_LABELS[r.mode]} to {r.target}, requested {formatDateTime(r.requestDate)}.{' '}
      <a href="#tool-upgrade-history">Its details in the history</a>.
    </p>
  );
}

function PlatformLink({ r }: { r: Request }) {
  const href = safeHref(r.link);
  if (!href) return <span className="muted">No Link</span>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      Request #{r.id} on the upgrade platform
    </a>
  );
}

function Details({ r }: { r: Request }) {
  return (
    <>
      {r.state === 'Sent to Upgrade Platform' && (
        <div className="upgrade-platform-status">
          Platform status: <TenantText value={r.platformStatus} />
          {/* The platform's log as text: bidi controls shown as markers, never acting on the page. */}
          {r.logTail && <pre className="log-tail">{tenantPlainText(r.logTail)}</pre>}
        </div>
      )}
      {r.reason && (
        <p className={r.state === 'Failed' ? 'error' : 'hint'}>
          <TenantText value={r.reason} sentence />
        </p>
      )}
      {r.state === 'Done' &&
        r.database &&
        r.database !== undefined &&
        (r.mode === 'copy' || r.mode === 'internal') && (
          <p>
            Upgraded database: <Link to={`/databases/${encodeURIComponent(r.database)}`}>{r.database}</Link>
          </p>
        )}
      {r.canCancel && (
        <OperationForm
          operation="cancel-upgrade"
          compact
          submitLabel={`Cancel request #${r.id}`}
          fixed={{ request: r.id }}
        />
      )}
    </>
  );
}

export const upgradeHistorySection = defineToolSection<Model>({
  key: 'migration',
  id: 'upgrade-history',
  title: 'Upgrade Requests History',
  wide: true,
  Component: ({ model }) => (
    <>
      <div className="table-wrap">
        <table className="compact upgrade-history">
          <caption className="sr-only">Upgrade requests of the database, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">State</th>
              <th scope="col">Mode</th>
              <th scope="col">Target</th>
              <th scope="col">Requested</th>
              <th scope="col">E-mail</th>
              <th scope="col">Link</th>
            </tr>
          </thead>
          <tbody>
            {model.history.map((r) => (
              <tr key={r.id} data-request={r.id}>
                <td>{formatDateTime(r.date)}</td>
                <td>
                  <span className="upgrade-state">{r.state}</span>
                  <Details r={r} />
                </td>
                <td>{MODE_LABELS[r.mode]}</td>
                <td>{r.target}</td>
                <td>{formatDateTime(r.requestDate)}</td>
                <td>{r.email ? <TenantText value={r.email} /> : '(customer)'}</td>
                <td>
                  <PlatformLink r={r} />
                </td>
              </tr>
            ))}
            {model.history.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  No upgrade requested yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <details>
        <summary>Legend of states and modes</summary>
        <dl className="facts">
          {Object.entries(model.states).map(([state, text]) => (
            <div key={state}>
              <dt>{state}</dt>
              <dd>{text}</dd>
            </div>
          ))}
          {Object.entries(model.modes).map(([mode, text]) => (
            <div key={mode}>
              <dt>{MODE_LABELS[mode as Request['mode']]}</dt>
              <dd>{text}</dd>
            </div>
          ))}
        </dl>
      </details>
    </>
  ),
});

export const rollingReleaseSection = defineToolSection<Model>({
  key: 'migration',
  id: 'rolling-release',
  title: 'Rolling release locking',
  Component: ({ model }) => {
    const lock = model.rollingReleaseLock;
    return (
      <>
        {lock.until ? (
          <p className="notice">
            No rolling release will be processed for this db until {formatDateTime(lock.until)}.
          </p>
        ) : (
          <p className="explain">
            Databases on a saas~ version are upgraded each night to the newest saas~ release of their line.
          </p>
        )}
        {lock.canSet && (
          <>
            <OperationForm
              operation="set-rolling-release-lock"
              legend="Lock rolling releases"
              submitLabel="Lock"
              fields={{
                until: {
                  label: 'No rolling release until',
                  max: lock.maxUntil,
                  hint: `At most one month ahead (${lock.maxUntil})`,
                },
              }}
            />
            {lock.until && (
              <OperationForm operation="clear-rolling-release-lock" compact submitLabel="Remove the lock" />
            )}
          </>
        )}
      </>
    );
  },
});
