import { Link } from 'react-router';
import { OperationForm } from '../components/OperationForm.js';
import { formatBytes, formatDateTime, relative } from '../format.js';
import { useToolsPage } from './context.js';
import { defineToolSection } from './define.js';
import { useSectionJob } from './page-job.js';
import type { RestoreModel } from '../types.js';

type Model = RestoreModel;
type Backup = Model['backups'][number];

const KIND_LABELS: Record<string, string> = {
  daily: 'daily',
  weekly: 'weekly',
  monthly: 'monthly',
  manual: 'manual',
  safety: 'safety (before a restore)',
};

const backupLabel = (b: Backup) => `#${b.id} · ${formatDateTime(b.takenAt)} · ${b.kind} · ${formatBytes(b.size)}`;

/** The database a finished restore of this page created, to open it from here. */
function RestoredCopy() {
  const { model } = useToolsPage();
  const finished = useSectionJob('restore-backup')?.finished;
  const result = (finished?.state === 'completed' ? finished.result : undefined) as
    | { database?: unknown; inPlace?: unknown }
    | undefined;
  if (!result || typeof result.database !== 'string') return null;
  if (result.inPlace || result.database === model.database.name) {
    return (
      <p className="success" role="status">
        The backup was restored in place: the customer’s database now holds its content.
      </p>
    );
  }
  return (
    <p className="success" role="status">
      Restored into the new database{' '}
      <Link to={`/databases/${encodeURIComponent(result.database)}`}>{result.database}</Link>.
    </p>
  );
}

export const restoreSection = defineToolSection<Model>({
  key: 'restore',
  title: 'Backups and Restore',
  wide: true,
  jobKinds: ['backup', 'restore-backup'],
  Component: ({ model, page }) => {
    const options = model.backups.map((b) => ({ value: b.id, label: backupLabel(b) }));
    const manualLeft = Math.max(0, model.manualLimit - model.manualToday);
    return (
      <>
        <p className="explain">
          Every database is backed up daily; by default 7 daily, 4 weekly and 3 monthly backups are kept (database and files
          together). Take a manual backup before a risky change the customer asks for. To undo a customer’s mistake,
          prefer restoring <strong>into a new database</strong>: they can look at the old data and copy what they lost
          without losing today’s work. Restore <strong>in place</strong> only when they want everything back as it was.
        </p>
        <div className="table-wrap">
          <table className="compact">
            <caption className="sr-only">Backups of the database, newest first</caption>
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">Taken</th>
                <th scope="col">Kind</th>
                <th scope="col">Size</th>
              </tr>
            </thead>
            <tbody>
              {model.backups.map((b) => (
                <tr key={b.id}>
                  <td>{b.id}</td>
                  <td>
                    {formatDateTime(b.takenAt)} <span className="muted">· {relative(b.takenAt)}</span>
                  </td>
                  <td>{KIND_LABELS[b.kind] ?? b.kind}</td>
                  <td>{formatBytes(b.size)}</td>
                </tr>
              ))}
              {model.backups.length === 0 && (
                <tr>
                  <td colSpan={4} className="empty">
                    No backup yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <OperationForm
          operation="backup-now"
          legend={`Back up ${page.database.name} now`}
          submitLabel="Back up now"
        />
        <p className="hint">
          Manual backups today: {model.manualToday} of {model.manualLimit} ({manualLeft} left, the count restarts at
          midnight UTC).
        </p>
        <RestoredCopy />
        {!model.canRestore && (
          <p className="hint">This database is dropped: restoring it needs a higher level.</p>
        )}
        {model.canRestore && options.length > 0 && (
          <div className="restore-forms">
            <div className="restore-form">
              <h3>Restore into a new database</h3>
              <p className="hint">
                A new test database from the backup (new UUID, neutralized: no mail goes out, no scheduled action
                runs), listed under this database’s duplicates and removed after 4 hours like any duplicate. The
                customer’s database is not touched.
              </p>
              <OperationForm
                operation="restore-backup"
                legend="Restore a backup into a new database"
                submitLabel="Restore into a new database"
                fields={{
                  backup: { label: 'Backup', options },
                  target: { label: 'New database name', hint: 'Lowercase letters, digits, “.”, “_”, “-”' },
                }}
                confirm={
                  <p>
                    A new database is created from the chosen backup; <strong>{page.database.name}</strong> stays as
                    it is. The copy counts toward its duplicates limit.
                  </p>
                }
              />
            </div>
            <div className="restore-form">
              <h3>Restore in place</h3>
              <div className="banner drop" role="note">
                <p>
                  <strong>The customer’s database is replaced.</strong> A safety backup of its current state is taken
                  first, then the restored copy is swapped in: all data entered since the backup disappears from the
                  live database (it stays in the safety backup). Get the customer’s written agreement first.
                </p>
              </div>
              <OperationForm
                operation="restore-backup"
                legend={`Restore a backup in place of ${page.database.name}`}
                submitLabel="Restore in place"
                fields={{ backup: { label: 'Backup', options } }}
                fixed={{ target: undefined }}
                confirm={
                  <p>
                    <strong>{page.database.name}</strong> will be replaced by the chosen backup. A safety backup of
                    its current state is taken first; then the customer’s database is swapped with the restored one
                    and everything entered since the backup is gone from it.
                  </p>
                }
              />
            </div>
          </div>
        )}
      </>
    );
  },
});
