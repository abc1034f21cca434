import { Link } from 'react-router';
import { formatDateTime, formatNumber, relative } from '../format.js';
import { useToolsPage } from '../tools/context.js';
import type { GitRepoStatus } from '../types.js';
import { ModeBadge } from './ModeBadge.js';
import { TenantText } from './TenantText.js';

export function emailUsage(db: {
  email_daily_count: number;
  email_daily_limit: number;
  ext_email_daily_count: number | null;
  email_total_count: number;
}): string {
  const external = db.ext_email_daily_count === null ? 'unknown (the database cannot be read)' : formatNumber(db.ext_email_daily_count);
  return (
    `${formatNumber(db.email_daily_count)} sent today out of ${formatNumber(db.email_daily_limit)}. ` +
    `${external} sent today via an external server. ` +
    `${formatNumber(db.email_total_count)} sent in total.`
  );
}

export function StatusPanel() {
  const { model } = useToolsPage();
  const db = model.database;
  return (
    <section className="card status-panel" aria-labelledby="status-title">
      <h2 id="status-title">Database Status</h2>
      <dl className="status-grid">
        <div>
          <dt>Name</dt>
          <dd>
            <TenantText value={db.name} />
          </dd>
        </div>
        <div className="span-2">
          <dt>UUID</dt>
          <dd className="mono">{db.uuid}</dd>
        </div>
        <div>
          <dt>Subscription code</dt>
          <dd className="mono">
            <TenantText value={db.subcode} />
          </dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd className="mono">{db.version}</dd>
        </div>
        <div>
          <dt>Mode</dt>
          <dd>
            <ModeBadge mode={db.mode} extraApps={db.extra_apps} />
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd className={db.locked ? 'status locked' : 'status'}>
            <TenantText value={db.status} />
          </dd>
        </div>
        <div>
          <dt>Expiration date</dt>
          <dd>
            {formatDateTime(db.expire_date)}
            {db.expire_date && <span className="muted"> · {relative(db.expire_date)}</span>}
          </dd>
        </div>
        <div className="span-2">
          <dt>E-mail usage</dt>
          <dd>{emailUsage(db)}</dd>
        </div>
        <div>
          <dt>Server</dt>
          <dd>
            <TenantText value={db.server} />
          </dd>
        </div>
        {db.duplicate_of && (
          <div>
            <dt>Duplicate of</dt>
            <dd>
              <Link to={'/databases/' + encodeURIComponent(db.duplicate_of)}>{db.duplicate_of}</Link>
            </dd>
          </div>
        )}
      </dl>
      {model.git && <GitStatus repos={model.git} />}
    </section>
  );
}

const REPO_TITLES: Record<GitRepoStatus['repo'], string> = {
  odoo: 'Odoo',
  enterprise: 'Enterprise',
  'design-themes': 'Design Themes',
  internal: 'Internal',
};

/** The code the hosting server runs: what an agent would otherwise check with ssh and git. */
function GitStatus({ repos }: { repos: GitRepoStatus[] }) {
  return (
    <div className="git-status">
      <h3 id="git-status-title">Git Status</h3>
      <dl className="status-grid" aria-labelledby="git-status-title">
        {repos.map((r) => (
          <div key={r.repo} className="span-2">
            <dt>{REPO_TITLES[r.repo] ?? r.repo}</dt>
            <dd>{r.error ? <span className="git-error">{r.error}</span> : <GitCommit status={r} />}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function GitCommit({ status }: { status: GitRepoStatus }) {
  const changes = status.changes ?? { count: 0, paths: [] };
  const more = changes.count - changes.paths.length;
  return (
    <>
      <span className="mono">{status.commit}</span> <bdi>{status.subject}</bdi>
      <div className="muted">
        {formatDateTime(status.date)}
        {status.date && <> · {relative(status.date)}</>}
      </div>
      {changes.count > 0 ? (
        <div className="git-changes">
          With local changes ({formatNumber(changes.count)} {changes.count === 1 ? 'file' : 'files'}):{' '}
          {changes.paths.map((p, i) => (
            <span key={p}>
              {i > 0 && ', '}
              <bdi className="mono">{p}</bdi>
            </span>
          ))}
          {more > 0 && <> and {formatNumber(more)} more</>}
        </div>
      ) : (
        <div className="muted">No local changes</div>
      )}
    </>
  );
}
