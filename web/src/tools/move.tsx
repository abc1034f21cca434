import { OperationForm } from '../components/OperationForm.js';
import { formatDateTime } from '../format.js';
import type { Job, MoveModel } from '../types.js';
import { defineToolSection } from './define.js';
import { useSectionJob } from './page-job.js';

type Model = MoveModel;

const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'not measured' : `${(ms / 1000).toFixed(1)} s`);

function Finished({ job }: { job: Job }) {
  if (job.state !== 'completed') return null;
  const result = (job.result ?? {}) as { to?: string; downtimeMs?: number | null };
  return (
    <p className="success" role="status">
      Moved to {result.to}. The customer’s database was unavailable for {seconds(result.downtimeMs)}.
    </p>
  );
}

export const moveSection = defineToolSection<Model>({
  key: 'move',
  title: 'Move',
  jobKinds: ['move-database'],
  Component: ({ model }) => {
    const job = useSectionJob('move-database');
    const busy = !!job?.running;
    return (
      <>
        <p className="explain">
          Moves this database and its files to another hosting server. The files are copied first while the customer
          keeps working; then the database is locked (“moving”), copied in parallel and switched over, and unlocked on
          its new server. The customer is disconnected only during that second part. The copy left on the old server
          stays read-only as a way back, then is removed.
        </p>
        <dl className="facts">
          <dt>Server</dt>
          <dd className="mono">{model.server ?? '—'}</dd>
          <dt>Last move</dt>
          <dd>
            {model.lastMove
              ? `${formatDateTime(model.lastMove.finishedAt)}, ${model.lastMove.from} → ${model.lastMove.to}; unavailable for ${seconds(model.lastMove.downtimeMs)}`
              : 'Never moved.'}
          </dd>
          {model.rollbackCopy && (
            <>
              <dt>Copy kept</dt>
              <dd>
                Read-only on <span className="mono">{model.rollbackCopy.server}</span> until{' '}
                {formatDateTime(model.rollbackCopy.keepUntil)}
              </dd>
            </>
          )}
        </dl>
        {job?.finished && <Finished job={job.finished} />}
        {busy ? (
          <p className="hint">
            The move is running: its progress shows here. You may leave or refresh this page; the job goes on.
          </p>
        ) : model.targets.length > 0 ? (
          <OperationForm
            operation="move-database"
            submitLabel="Move"
            fields={{
              server: {
                label: 'Move to',
                options: model.targets.map((name) => ({ value: name, label: name })),
              },
            }}
            confirm="The customer is disconnected while the move finishes (usually seconds to minutes, depending on its size)."
          />
        ) : (
          <p className="hint">There is no other hosting server to move it to.</p>
        )}
      </>
    );
  },
});
