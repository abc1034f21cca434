import { useState } from 'react';
import { Link } from 'react-router';
import { OperationForm } from '../components/OperationForm.js';
import { displayValue, formatBytes } from '../format.js';
import { defineToolSection } from './define.js';
import { TenantText } from '../components/TenantText.js';
import type { TechLogsModel } from '../types.js';

type Model = TechLogsModel;
type LogFileEntry = Model['files'][number];

function LogFiles({ files }: { files: LogFileEntry[] }) {
  if (!files.length) return <p className="muted">No log file on this server yet.</p>;
  return (
    <div className="table-wrap">
      <table className="log-files">
        <caption className="sr-only">Log files of the hosting server</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Size</th>
            <th scope="col">Opens</th>
          </tr>
        </thead>
        <tbody>
          {files.map((f) => (
            <tr key={f.name}>
              <td className="mono">
                <a href={f.url} target="_blank" rel="noopener noreferrer">
                  {f.name}
                </a>
              </td>
              <td>{formatBytes(f.size)}</td>
              <td>{f.compressed ? 'download (gzip)' : 'in the browser'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "Odoo Technical Logs": the hosting server's files, the viewer, the password for those who may see it. */
export const technicalLogsSection = defineToolSection<Model>({
  key: 'tech_logs',
  id: 'tech_logs-files',
  title: 'Odoo Technical Logs',
  wide: true,
  Component: ({ model, page }) => {
    const [rotated, setRotated] = useState<{ password: string; user: string }>();
    return (
      <>
        <p className="explain">
          The logs of the hosting server <strong>{model.server}</strong>: every database on it writes there. The last
          2 days are plain text you can read in the browser; older days, up to 10, are gzipped downloads. Logs rotate
          daily around 05:00 UTC. The files ask for a password (user <code>{model.user}</code>); the viewer needs only
          your session.
        </p>
        <p>
          <Link className="button primary" to={model.viewerUrl}>
            View Logs
          </Link>
        </p>
        <LogFiles files={model.files} />
        {model.password && (
          <p>
            Log password: <code className="secret">{model.password}</code>
          </p>
        )}
        {rotated && (
          <p className="success" role="status">
            New log password for {model.server} (shown once): <code className="secret">{rotated.password}</code>
          </p>
        )}
        {model.canRotatePassword && (
          <OperationForm
            operation="rotate-log-password"
            legend={`Rotate the log password of ${model.server ?? 'the server'}`}
            submitLabel="Rotate the log password"
            confirm={`Every agent and script using the current log password of ${model.server} (all its databases, not only ${page.database.name}) will need the new one.`}
            onDone={(result) => setRotated(result as { password: string; user: string })}
          />
        )}
      </>
    );
  },
});

export const techLogsSection = defineToolSection<Model>({
  key: 'tech_logs',
  title: 'Metabase Information',
  wide: true,
  Component: ({ model }) => (
    <div className="table-wrap">
      <table className="kv">
        <caption className="sr-only">Every field of the database’s metabase row</caption>
        <tbody>
          {Object.entries(model.metabase ?? {}).map(([k, v]) => (
            <tr key={k}>
              <th scope="row" className="mono">
                {k}
              </th>
              <td className="mono">
                <TenantText value={displayValue(v)} sentence />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  ),
});
