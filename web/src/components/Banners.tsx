import { formatDateTime, relative } from '../format.js';
import { useToolsPage } from '../tools/context.js';
import type { DropModel, ImpersonationModel, LockModel } from '../types.js';
import { useSectionJob } from '../tools/page-job.js';
import { OperationForm } from './OperationForm.js';
import { TenantText } from './TenantText.js';

/** Subscriptions in these states must be re-opened before a dropped database can come back. */
const CLOSED = ['close', 'cancel'];

function UndropAdvice() {
  const { model, operations, policy } = useToolsPage();
  const dropping = !!useSectionJob('drop')?.running;
  const db = model.database;
  if (CLOSED.includes(db.status)) {
    return (
      <p>
        It cannot be undropped: its subscription is{' '}
        <strong>
          <TenantText value={db.status} />
        </strong>
        . The subscription must be re-opened
        first; the change may take up to about 20 minutes to be detected here.
      </p>
    );
  }
  // The server refuses every change while the drop job runs.
  if (dropping) return <p>It can be undropped once the drop is finished.</p>;
  const undrop = (model.tools.drop as Partial<DropModel> | undefined)?.undrop;
  if (undrop && !undrop.possible)
    return (
      <p>
        It cannot be undropped: <TenantText value={undrop.reason} sentence />
      </p>
    );
  if (undrop && operations?.some((o) => o.name === 'undrop')) {
    // A duplicate comes back for its usual few hours: the one-app-free choice does not apply to it.
    return (
      <OperationForm
        operation="undrop"
        submitLabel="Undrop"
        legend="Undrop the database"
        fixed={db.duplicate_of ? { free: false } : {}}
      />
    );
  }
  const needed = policy?.accessMap.drop;
  if (needed !== undefined && model.level.value < needed) {
    const name = policy?.levels.find((l) => l.value === needed)?.name ?? `level ${needed}`;
    return (
      <p>
        Undropping needs the {name} level; yours is {model.level.name}. Ask {name} to do it.
      </p>
    );
  }
  return <p>It can be undropped from its Drop section.</p>;
}

/** While this agent impersonates someone on the database: who, and the way to stop. */
function ImpersonationBanner() {
  const { model } = useToolsPage();
  const tool = model.tools.impersonation as Partial<ImpersonationModel> | undefined;
  if (!tool?.banner) return null;
  return (
    <div className="banner impersonating" role="region" aria-label="Impersonation in progress">
      <p>
        <strong>
          <TenantText value={tool.banner} sentence />
        </strong>
      </p>
      <OperationForm
        operation="stop-impersonation"
        fixed={tool.active ? { user: tool.active.userId } : {}}
        submitLabel="Stop"
        legend="Stop impersonating"
        compact
      />
    </div>
  );
}

export function Banners() {
  const { model } = useToolsPage();
  const db = model.database;
  // Level 4 sees the lock tool, and with it why the database was locked.
  const lockReason = (model.tools.lock as Partial<LockModel> | undefined)?.reason;
  return (
    <>
      <ImpersonationBanner />
      {db.locked && (
        <div className="banner locked" role="region" aria-labelledby="banner-locked">
          <h2 id="banner-locked">Database Locked</h2>
          <p>
            Status:{' '}
            <strong className="mono">
              <TenantText value={db.status} />
            </strong>
            . Every change is refused until the platform unlocks it.
          </p>
          {lockReason && (
            <p>
              Reason: <TenantText value={lockReason} sentence />
            </p>
          )}
        </div>
      )}
      {db.mode === 'drop' && (
        <div className="banner drop" role="region" aria-labelledby="banner-drop">
          <h2 id="banner-drop">Drop mode</h2>
          <p>
            This database will be removed on <strong>{formatDateTime(db.expire_date)}</strong>
            {db.expire_date ? ` (${relative(db.expire_date)})` : ''}. The customer can no longer connect to it.
          </p>
          <UndropAdvice />
        </div>
      )}
    </>
  );
}
