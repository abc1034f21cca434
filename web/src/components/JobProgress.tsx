import { useEffect, useRef, useState } from 'react';
import { get } from '../api.js';
import { relative } from '../format.js';
import type { Job } from '../types.js';

/** A job reference as the API gives it: an id, or an object with one. */
export function jobIdOf(job: unknown): string | undefined {
  if (typeof job === 'string' || typeof job === 'number') return String(job);
  if (job && typeof job === 'object' && 'id' in job) return String((job as { id: unknown }).id);
  return undefined;
}

const FINISHED = new Set(['completed', 'failed']);

/** The steps of the platform's jobs, as an agent reads them; an unknown step shows its name. */
const STEPS: Record<string, string> = {
  backup: 'Backing up the database and its files',
  'safety-backup': 'Taking a safety backup of the current state',
  'restore-database': 'Restoring the database',
  filestore: 'Restoring the files',
  'make-copy': 'Preparing the new database',
  swap: 'Swapping the restored database in',
  cleanup: 'Cleaning up',
  'build-zip': 'Building the zip',
  notify: 'Sending the e-mail',
  restore: 'Restoring the dump',
  publish: 'Publishing the new database',
};

const KINDS: Record<string, string> = {
  backup: 'Backup',
  'restore-backup': 'Restore',
  'prepare-dump': 'Dump',
  'import-dump': 'Import',
};

function stepText(step: string): string {
  return STEPS[step] ?? step.charAt(0).toUpperCase() + step.slice(1).replace(/[-_]+/g, ' ');
}

function etaText(eta: Job['eta']): string {
  if (eta === null || eta === undefined || eta === '') return '';
  // An ISO date (what the server sends) becomes seconds left.
  const seconds = typeof eta === 'number' ? eta : (new Date(eta).getTime() - Date.now()) / 1000;
  if (Number.isNaN(seconds)) return '';
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
  if (seconds < 5400) return `about ${Math.round(seconds / 60)} min left`;
  const r = typeof eta === 'string' ? relative(eta) : '';
  return r ? `done ${r}` : '';
}

/**
 * The progress of a long operation: it follows the job's event stream and falls back to
 * polling. The page model carries running job ids, so a refreshed page picks it up again.
 */
export function JobProgress({
  jobId,
  onDone,
  stepLabels = {},
}: {
  jobId: string;
  onDone?(job: Job): void;
  /** Words for the job's step names ("copy-database" → "Copying the database"). */
  stepLabels?: Record<string, string>;
}) {
  const [job, setJob] = useState<Job>();
  const [lost, setLost] = useState<string>();
  const doneRef = useRef(onDone);
  useEffect(() => {
    doneRef.current = onDone;
  }, [onDone]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let source: EventSource | undefined;
    const url = `/api/jobs/${encodeURIComponent(jobId)}`;

    const accept = (j: Job) => {
      if (stopped) return;
      setJob(j);
      setLost(undefined);
      if (FINISHED.has(j.state)) {
        stopped = true;
        source?.close();
        doneRef.current?.(j);
      }
    };
    const poll = () => {
      if (stopped) return;
      get<Job>(url).then(
        (j) => {
          accept(j);
          if (!stopped) timer = setTimeout(poll, 1000);
        },
        (e: unknown) => {
          setLost(e instanceof Error ? e.message : String(e));
          if (!stopped) timer = setTimeout(poll, 3000);
        },
      );
    };

    if (typeof EventSource === 'function') {
      source = new EventSource(url + '/events');
      source.onmessage = (e: MessageEvent<string>) => {
        try {
          accept(JSON.parse(e.data) as Job);
        } catch {
          // A keep-alive or a malformed event: the next one or the poll will tell.
        }
      };
      source.onerror = () => {
        source?.close();
        source = undefined;
        poll();
      };
      // The stream may be slow to send its first event: show the state right away.
      get<Job>(url).then(accept, () => undefined);
    } else {
      poll();
    }
    return () => {
      stopped = true;
      source?.close();
      clearTimeout(timer);
    };
  }, [jobId]);

  const progress =
    job?.state === 'completed' ? 100 : Math.max(0, Math.min(100, Math.round(job?.progress ?? 0)));
  const state = job?.state ?? 'queued';
  return (
    <div className={`job job-${state}`}>
      <div className="job-line">
        <span className="job-step">
          {job?.kind && <span className="job-kind">{KINDS[job.kind] ?? job.kind} · </span>}
          {state === 'completed'
            ? 'Done'
            : job?.step
              ? (stepLabels[job.step] ?? stepText(job.step))
              : state === 'queued'
                ? 'Waiting to start'
                : state}
        </span>
        <span className="muted">
          {progress} %{state === 'running' && job?.eta != null ? ` · ${etaText(job.eta)}` : ''}
        </span>
      </div>
      <div
        className="bar"
        role="progressbar"
        aria-label={`Job ${jobId}${job?.kind ? ` (${job.kind})` : ''}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={progress}
        aria-valuetext={`${progress} %${job?.step ? `, ${stepLabels[job.step] ?? stepText(job.step)}` : ''}`}
      >
        <div className="bar-fill" style={{ width: `${progress}%` }} />
      </div>
      {state === 'failed' && (
        <p className="error" role="alert">
          The job failed{job?.error ? `: ${job.error}` : '.'}
        </p>
      )}
      {state === 'completed' && (
        <p className="success" role="status">
          Finished.
        </p>
      )}
      {lost && <p className="hint">Reconnecting to the job… ({lost})</p>}
    </div>
  );
}
