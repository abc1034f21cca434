import { useEffect, useState } from 'react';
import { displayValue, formatDateTime } from '../format.js';
import { useGet } from '../load.js';
import { defineToolSection } from './define.js';
import { TenantText } from '../components/TenantText.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;

/** Dates read the way they were typed: a day at midnight UTC as the day, an instant to the minute. */
function inputValue(v: unknown): string {
  if (typeof v === 'string' && ISO_INSTANT.test(v)) {
    return v.slice(10).startsWith('T00:00:00') ? v.slice(0, 10) : formatDateTime(v);
  }
  return displayValue(v);
}

function inputsText(inputs: Record<string, unknown>): string {
  const entries = Object.entries(inputs ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}: ${inputValue(v)}`).join(', ') : '—';
}

function History({ database, version }: { database: string; version: unknown }) {
  const [page, setPage] = useState(1);
  const logs = useGet('GET /api/databases/:name/support-logs', { params: { name: database }, query: { page } });
  const { reload } = logs;
  // A new page model (after an operation) means a new entry: read the history again.
  useEffect(() => reload(), [version, reload]);
  const data = logs.data;
  return (
    <>
      {logs.error && (
        <p className="error" role="alert">
          <TenantText value={logs.error} sentence />
        </p>
      )}
      <div className="table-wrap">
        <table className="history stack" aria-busy={logs.loading}>
          <caption className="sr-only">Support operations, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Agent</th>
              <th scope="col">Operation</th>
              <th scope="col">Inputs</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {data?.entries.map((e) => (
              <tr key={e.id}>
                <td className="nowrap">{formatDateTime(e.at)}</td>
                {/* Logins and operation names are single words: they never break inside. */}
                <td className="nowrap" data-label="Agent">
                  <TenantText value={e.agent_login} />
                </td>
                <td className="mono nowrap" data-label="Operation">
                  {e.operation}
                </td>
                <td className="mono small" data-label="Inputs">
                  <TenantText value={inputsText(e.inputs)} sentence />
                </td>
                <td data-label="Outcome">
                  <span className={`badge outcome-${e.outcome}`}>{e.outcome}</span>
                  {e.message && (
                    <div className="sub">
                      <TenantText value={e.message} sentence />
                    </div>
                  )}
                </td>
              </tr>
            ))}
            {data && data.entries.length === 0 && (
              <tr>
                <td colSpan={5} className="empty">
                  No support operation yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {data && data.pages > 1 && (
        <nav className="pager" aria-label="History pages">
          <button
            type="button"
            className="button small"
            disabled={page <= 1}
            onClick={() => setPage(page - 1)}
          >
            Newer
          </button>
          <span className="muted">
            Page {data.page} of {data.pages}
          </span>
          <button
            type="button"
            className="button small"
            disabled={page >= data.pages}
            onClick={() => setPage(page + 1)}
          >
            Older
          </button>
        </nav>
      )}
    </>
  );
}

export const supportLogsSection = defineToolSection<Record<string, never>>({
  key: 'support_logs',
  title: 'Support Operations History',
  wide: true,
  Component: ({ page }) => <History database={page.database.name} version={page} />,
});
