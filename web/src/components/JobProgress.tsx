import { useEffect, useRef, useState } from 'react';
import { api } from '../api.js';
import { relative } from '../format.js';
import { useGet } from '../load.js';
import type { Job, JobKindTexts } from '../types.js';
import { TenantText } from './TenantText.js';
import { tenantPlainText } from '../tenant-text.js';

/** A job reference as the API gives it: an id, or an object with one. */
export function jobIdOf(job: unknown): string | undefined {
  if (typeof job === 'string' || typeof job === 'number') return String(job);
  if (job && typeof job === 'object' && 'id' in job) return String((job as { id: unknown }).id);
  return undefined;
}

const FINISHED = new Set(['completed', 'failed']);

/** A step in words (from its job's definition); one without words yet shows its name, readable. */
function stepText(kinds: JobKindTexts | undefined, kind: string | undefined, step: string): string {
  return (
    (kind ? kinds?.[kind]?.steps[step] : undefined) ??
    step.charAt(0).toUpperCase() + step.slice(1).replace(/[-_]+/g, ' ')
  );
}

function etaText(eta: Job['eta']): string {
  if (eta === null || eta === undefined || eta === '') return '';
  // The server sends an ISO date: "done in 5 minutes"; the last minute counts in seconds.
  const seconds = typeof eta === 'number' ? eta : (new Date(eta).getTime() - Date.now()) / 1000;
  if (Number.isNaN(seconds)) return '';
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
  if (typeof eta === 'string') return `done ${relative(eta)}`;
  return `about ${Math.round(seconds / 60)} min left`;
}

/**
 * The progress of a long job: it follows the job's event stream and falls back to polling;
 * `onDone` gets its final state. Its kind and steps read as the words of the job's definition
 * (`GET /api/job-kinds`).
 */
export function JobProgress({ jobId, onDone }: { jobId: string; onDone?(job: Job): void }) {
  const [job, setJob] = useState<Job>();
  const [lost, setLost] = useState<string>();
  const kinds = useGet('GET /api/job-kinds').data;
  const doneRef = useRef(onDone);
  useEffect(() => {
    doneRef.current = onDone;
  }, [onDone]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let source: EventSource | undefined;
    const job = { params: { id: jobId } };

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
      api.call('GET /api/jobs/:id', job).then(
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
      source = new EventSource(api.path('GET /api/jobs/:id/events', job));
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
      api.call('GET /api/jobs/:id', job).then(accept, () => undefined);
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
  const step = job?.step ? stepText(kinds, job.kind, job.step) : undefined;
  return (
    <div className={`job job-${state}`}>
      <div className="job-line">
        <span className="job-step">
          {job?.kind && <span className="job-kind">{kinds?.[job.kind]?.label ?? job.kind} · </span>}
          {state === 'completed' ? 'Done' : step ? <TenantText value={step} sentence /> : state === 'queued' ? 'Waiting to start' : state}
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
        aria-valuetext={`${progress} %${step ? `, ${tenantPlainText(step)}` : ''}`}
      >
        <div className="bar-fill" style={{ width: `${progress}%` }} />
      </div>
      {state === 'failed' && (
        <p className="error" role="alert">
          The job failed{job?.error ? ': ' : '.'}
          {job?.error && <TenantText value={job.error} sentence />}
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
