import { useMemo } from 'react';
import { Link } from 'react-router';
import { ModeBadge } from '../components/ModeBadge.js';
import { OperationForm } from '../components/OperationForm.js';
import { formatDateTime } from '../format.js';
import type { Job } from '../types.js';
import { useToolsPage } from './context.js';
import { defineToolSection } from './define.js';
import { countdown, useNow, useSectionJob } from './page-job.js';
import { TenantText } from '../components/TenantText.js';
import type { DuplicateModel } from '../types.js';

type Model = DuplicateModel;

const toolsUrl = (name: string) => '/databases/' + encodeURIComponent(name);

/** Time left until `iso`, ticking every second; only this text re-renders. */
export function Countdown({ iso, expired = 'expired' }: { iso: string | null; expired?: string }) {
  const now = useNow(1000);
  if (!iso) return <>—</>;
  const left = countdown(iso, now);
  return <time dateTime={iso}>{left ? `${left} left` : expired}</time>;
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  return `${Math.max(1, Math.round(bytes / 1024 ** 2))} MB`;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STEPS: [number, string][] = [
  [4 * HOUR, '4 hours from now'],
  [DAY, '1 day from now'],
  [2 * DAY, '2 days from now'],
  [3 * DAY, '3 days from now'],
  [7 * DAY, '1 week from now'],
  [14 * DAY, '2 weeks from now'],
  [30 * DAY, '30 days from now'],
  [60 * DAY, '60 days from now'],
  [90 * DAY, '90 days from now'],
];

/** Choices of a new removal date: later than the current one, up to what the level allows. */
function extendChoices(current: string | null, until: string): { value: string; label: string }[] {
  const now = Date.now();
  const latest = new Date(until).getTime();
  const floor = Math.max(now, current ? new Date(current).getTime() : now);
  const choices = STEPS.filter(([ms]) => now + ms > floor && now + ms < latest - 60_000).map(
    ([ms, label]) => {
      const iso = new Date(now + ms).toISOString();
      return { value: iso, label: `${formatDateTime(iso)} (${label})` };
    },
  );
  if (latest > floor)
    choices.push({ value: until, label: `${formatDateTime(until)} (the latest your level allows)` });
  return choices;
}

/** On a duplicate's own page: where it comes from, when it goes, and the form to keep it longer. */
function ThisDuplicate({ model }: { model: Model }) {
  const { model: page } = useToolsPage();
  const db = page.database;
  const choices = useMemo(
    () => (model.extendUntil ? extendChoices(db.expire_date, model.extendUntil) : []),
    [db.expire_date, model.extendUntil],
  );
  if (!db.duplicate_of) return null;
  return (
    <div className="this-duplicate">
      <h3>This database is a duplicate</h3>
      <dl className="facts">
        <dt>Copy of</dt>
        <dd>
          <Link to={toolsUrl(db.duplicate_of)}>{db.duplicate_of}</Link>
        </dd>
        <dt>Removed on</dt>
        <dd>
          {formatDateTime(db.expire_date)}{' '}
          <span className="muted">
            · <Countdown iso={db.expire_date} expired="due now" />
          </span>
        </dd>
        {model.extendUntil && (
          <>
            <dt>Latest your level allows</dt>
            <dd>{formatDateTime(model.extendUntil)}</dd>
          </>
        )}
      </dl>
      {db.mode === 'drop' ? (
        <p className="hint">It is in drop mode: undrop it before extending its life.</p>
      ) : model.extendUntil && choices.length > 0 ? (
        <OperationForm
          operation="extend-duplicate"
          fields={{
            until: {
              label: 'Keep it until',
              options: choices,
              hint: `At most until ${formatDateTime(model.extendUntil)}`,
            },
          }}
        />
      ) : (
        <p className="hint">
          It already lives as long as your level allows; a higher level can extend it further.
        </p>
      )}
    </div>
  );
}

function DuplicateList({ model }: { model: Model }) {
  return (
    <div className="table-wrap">
      <table className="compact duplicates">
        <caption className="sr-only">Duplicates of this database</caption>
        <thead>
          <tr>
            <th scope="col">Duplicate</th>
            <th scope="col">Mode</th>
            <th scope="col">Removed on</th>
            <th scope="col">Time left</th>
          </tr>
        </thead>
        <tbody>
          {model.duplicates.map((d) => (
            <tr key={d.name}>
              <td>
                {d.state === 'creating' ? (
                  <>
                    <span className="mono">{d.name}</span>{' '}
                    <span className="badge muted-badge">being created</span>
                  </>
                ) : (
                  <Link className="mono" to={toolsUrl(d.name)}>
                    {d.name}
                  </Link>
                )}
              </td>
              <td>
                <ModeBadge mode={d.mode} />
              </td>
              <td>{formatDateTime(d.expire_date)}</td>
              <td>
                <Countdown iso={d.expire_date} expired="due for removal" />
              </td>
            </tr>
          ))}
          {model.duplicates.length === 0 && (
            <tr>
              <td colSpan={4} className="empty">
                No duplicate at the moment.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function Finished({ job }: { job: Job }) {
  if (job.state !== 'completed') return null;
  const result = (job.result ?? {}) as { name?: string; sourceUnavailableMs?: number; method?: string };
  if (!result.name) return null;
  return (
    <p className="job-outcome">
      The duplicate <Link to={toolsUrl(result.name)}>{result.name}</Link> is ready.
      {result.method === 'template' && result.sourceUnavailableMs !== undefined
        ? ` The customer's database was unavailable for ${(result.sourceUnavailableMs / 1000).toFixed(1)} s.`
        : ''}
    </p>
  );
}

export const duplicateSection = defineToolSection<Model>({
  key: 'duplicate',
  title: 'Duplicate',
  wide: true,
  jobKinds: ['duplicate'],
  Component: ({ model }) => {
    const job = useSectionJob('duplicate');
    const busy = !!job?.running;
    const u = model.unavailability;
    return (
      <>
        <p className="explain">
          A duplicate is a copy of this database and its files on the same server, for testing something
          without risk (an upgrade, a module, a data import). It is <strong>neutralized</strong>: it sends no
          e-mail, its scheduled actions are off, its payment providers and in-app purchase accounts are
          disabled, and it gets its own identity. It lives <strong>4 hours</strong> and is then removed; from
          its own page, its life can be extended within your level’s limit.
        </p>
        <p className="explain">
          Duplicates count toward this database’s duplicates limit: each live duplicate counts 1, one already
          in drop mode counts less, so dropping the duplicates the customer no longer needs frees room.
        </p>
        <dl className="facts">
          <dt>Duplicates counted</dt>
          <dd>
            {model.weightUsed} of {model.limit}
          </dd>
          <dt>Size to copy</dt>
          <dd>{sizeText(u.sizeBytes)}</dd>
          <dt>Copy method</dt>
          <dd>{u.method === 'template' ? 'file copy (fast)' : 'online dump and restore'}</dd>
        </dl>
        <p className={u.brieflyUnavailable ? 'notice unavailability' : 'explain unavailability'}>
          <strong>{u.brieflyUnavailable ? 'Briefly unavailable: ' : 'Stays available: '}</strong>
          <TenantText value={u.message} sentence />
        </p>
        <ThisDuplicate model={model} />
        {job?.finished && <Finished job={job.finished} />}
        {busy ? (
          <p className="hint">
            A copy is being made. You may leave or refresh this page: the job goes on, and its progress shows
            here again.
          </p>
        ) : model.possible ? (
          <OperationForm
            operation="duplicate"
            submitLabel="Duplicate"
            fields={{
              name: { label: 'Name of the copy', hint: 'Optional; by default the name followed by -dup-N' },
            }}
          />
        ) : (
          <div className="op-form">
            <button type="button" className="button primary" disabled aria-describedby="duplicate-refusal">
              Duplicate
            </button>
            <p className="hint" id="duplicate-refusal">
              <strong>Not possible.</strong> <TenantText value={model.reason} sentence />
            </p>
          </div>
        )}
        <h3>Duplicates of this database</h3>
        <DuplicateList model={model} />
      </>
    );
  },
});
