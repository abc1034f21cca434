import { OperationForm } from '../components/OperationForm.js';
import { formatDate, formatDateTime, formatNumber, relative } from '../format.js';
import { defineToolSection } from './define.js';
import { TenantText } from '../components/TenantText.js';
import type { PingModel } from '../types.js';

type Model = PingModel;

export const pingSection = defineToolSection<Model>({
  key: 'ping',
  title: 'Ping',
  wide: true,
  Component: ({ model }) => {
    const last = model.lastPing;
    const usage = last?.usage;
    return (
      <>
        <p className="explain">
          A ping reads the database’s usage the way Odoo reports it to the platform: users, those active in the last 15
          days, portal users, installed apps, version. Every database is pinged at least once a week; ping now when the
          figures below are too old for what you need (a user count before a quote, for instance).
        </p>
        <dl className="status-grid ping-grid">
          <div>
            <dt>Last ping</dt>
            <dd>
              {last ? (
                <>
                  <span className={`badge ${last.status === 'OK' ? 'outcome-success' : 'outcome-failure'}`}>
                    {last.status}
                  </span>{' '}
                  {formatDateTime(last.at)} <span className="muted">· {relative(last.at)}</span>
                </>
              ) : (
                'never'
              )}
            </dd>
          </div>
          {last?.reason && (
            <div className="span-2">
              <dt>Why it failed</dt>
              <dd>
                <TenantText value={last.reason} sentence />
              </dd>
            </div>
          )}
          {usage && (
            <>
              <div>
                <dt>Users</dt>
                <dd>
                  {formatNumber(usage.users)}{' '}
                  <span className="muted">({formatNumber(usage.activeUsers)} active in 15 days)</span>
                </dd>
              </div>
              <div>
                <dt>Portal users</dt>
                <dd>
                  {formatNumber(usage.shareUsers)}{' '}
                  <span className="muted">({formatNumber(usage.activeShareUsers)} active in 15 days)</span>
                </dd>
              </div>
              <div>
                <dt>Version</dt>
                <dd>
                  <TenantText value={usage.version} />
                </dd>
              </div>
              <div>
                <dt>Created</dt>
                <dd>{formatDate(usage.createDate)}</dd>
              </div>
              <div>
                <dt>Enterprise code</dt>
                <dd className="mono">
                  <TenantText value={usage.enterpriseCode} />
                </dd>
              </div>
              <div className="span-2">
                <dt>Apps ({usage.apps.length})</dt>
                <dd className="mono small">
                  <TenantText value={usage.apps.join(', ')} sentence />
                </dd>
              </div>
            </>
          )}
        </dl>
        <OperationForm operation="ping" submitLabel="Ping now" />
      </>
    );
  },
});
