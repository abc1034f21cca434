import { useEffect } from 'react';
import { Link } from 'react-router';
import { formatBytes, formatNumber } from '../format.js';
import { useGet } from '../load.js';
import type { ServerItem } from '../types.js';
import { TenantText } from '../components/TenantText.js';

/** Share of the disk the server's data takes, in percent to a tenth (a big disk with little data is not 0), when both figures are known. */
function usedShare(s: ServerItem): number | undefined {
  if (s.diskUsedBytes === null || s.diskFreeBytes === null) return undefined;
  const total = s.diskUsedBytes + s.diskFreeBytes;
  return total > 0 ? Math.round((s.diskUsedBytes / total) * 1000) / 10 : undefined;
}

function DiskUse({ server }: { server: ServerItem }) {
  const share = usedShare(server);
  const text =
    share === undefined
      ? `${formatBytes(server.diskUsedBytes)} used, ${formatBytes(server.diskFreeBytes)} free`
      : `${formatBytes(server.diskUsedBytes)} used, ${formatBytes(server.diskFreeBytes)} free (${share} %)`;
  return (
    <div className="disk-use">
      {share !== undefined && (
        <div
          className={`bar${share >= 90 ? ' bar-full' : share >= 75 ? ' bar-high' : ''}`}
          role="meter"
          aria-label={`Disk of ${server.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={share}
          aria-valuetext={text}
        >
          {/* A sliver stays visible for data that rounds to nothing beside a big disk. */}
          <div className="bar-fill" style={{ width: `max(${share}%, 2px)` }} />
        </div>
      )}
      <span className="sub">{text}</span>
    </div>
  );
}

/** The hosting servers: where databases live, how full each one is and whether it answers. */
export function ServersPage() {
  const servers = useGet('GET /api/servers');
  useEffect(() => {
    document.title = 'Servers · dbtools';
  }, []);
  const items = servers.data?.items ?? [];
  return (
    <>
      <div className="page-head">
        <h1>Hosting servers</h1>
        <p className="muted">
          Each server is a PostgreSQL cluster with its filestores. Disk used counts its databases and
          filestores; a server that does not answer within 2 seconds is shown as not answering.
        </p>
      </div>
      {servers.error && (
        <p className="error" role="alert">
          <TenantText value={servers.error} sentence />
        </p>
      )}
      <div className="table-wrap">
        <table className="servers" aria-busy={servers.loading}>
          <caption className="sr-only">Hosting servers, their load and health</caption>
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">Health</th>
              <th scope="col">Databases</th>
              <th scope="col">Disk</th>
              <th scope="col">Connections</th>
              <th scope="col">PostgreSQL</th>
              <th scope="col">Front end</th>
              <th scope="col">Served by</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.name}>
                <th scope="row" className="mono">
                  <TenantText value={s.name} />
                </th>
                <td>
                  <span className={`badge ${s.healthy ? 'outcome-success' : 'outcome-failure'}`}>
                    {s.healthy ? 'Healthy' : 'Not answering'}
                  </span>
                </td>
                <td>
                  <Link
                    to={`/?server=${encodeURIComponent(s.name)}`}
                    aria-label={`${formatNumber(s.databases)} databases on ${s.name}`}
                  >
                    {formatNumber(s.databases)}
                  </Link>
                </td>
                <td className="disk-cell">
                  <DiskUse server={s} />
                </td>
                <td>{formatNumber(s.connections)}</td>
                <td className="mono">{s.pgVersion ?? '—'}</td>
                <td className="mono">
                  {s.frontEnd
                    ? `${s.frontEnd.address} · http ${s.frontEnd.httpPort} · https ${s.frontEnd.httpsPort}`
                    : '—'}
                </td>
                <td>
                  {!s.frontEnd
                    ? '—'
                    : s.odooSeries.length
                      ? `Odoo ${s.odooSeries.join(', ')}`
                      : 'Placeholder (no Odoo source)'}
                </td>
              </tr>
            ))}
            {!servers.loading && items.length === 0 && !servers.error && (
              <tr>
                <td colSpan={8} className="empty">
                  No hosting server is registered.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="table-foot">
        <span className="muted" role="status">
          {servers.loading
            ? 'Loading…'
            : `${items.length} servers, ${items.filter((s) => !s.healthy).length} not answering`}
        </span>
        <button type="button" className="button" onClick={servers.reload} disabled={servers.loading}>
          Refresh
        </button>
      </div>
    </>
  );
}
