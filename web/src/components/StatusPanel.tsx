import { Link } from 'react-router';
import { formatDateTime, formatNumber, relative } from '../format.js';
import { useToolsPage } from '../tools/context.js';
import { ModeBadge } from './ModeBadge.js';
import { TenantText } from './TenantText.js';

export function emailUsage(db: {
  email_daily_count: number;
  email_daily_limit: number;
  ext_email_daily_count: number;
  email_total_count: number;
}): string {
  return (
    `${formatNumber(db.email_daily_count)} sent today out of ${formatNumber(db.email_daily_limit)}; ` +
    `${formatNumber(db.ext_email_daily_count)} sent today through an external server; ` +
    `${formatNumber(db.email_total_count)} sent in total`
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
    </section>
  );
}
