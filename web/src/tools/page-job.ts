import { useEffect, useState } from 'react';
import { jobIdOf } from '../components/JobProgress.js';
import { useToolsPage } from './context.js';

/**
 * The job of one kind a section shows: the one the page model says is running on the database
 * (so a refreshed page shows it again), or the one its form just started. It stays once finished,
 * at 100 % with its outcome, until another one starts.
 */
export function useSectionJob(kind: string): [string | undefined, (id: string) => void] {
  const { model } = useToolsPage();
  const running = model.job && model.job.kind === kind ? jobIdOf(model.job) : undefined;
  const [shown, setShown] = useState<string | undefined>(running);
  useEffect(() => {
    if (running) setShown(running);
  }, [running]);
  return [shown, setShown];
}

/** True while the page model reports a job of this kind queued or running. */
export function useJobRunning(kind: string): boolean {
  const { model } = useToolsPage();
  return (
    !!model.job && model.job.kind === kind && (model.job.state === 'queued' || model.job.state === 'running')
  );
}

/** The current time, ticking every `ms` (countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** "3 h 05 min 09 s", or null once the moment has passed. */
export function countdown(iso: string | null | undefined, now: number): string | null {
  if (!iso) return null;
  const ms = new Date(iso).getTime() - now;
  if (Number.isNaN(ms) || ms <= 0) return null;
  const total = Math.floor(ms / 1000);
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d} d ${h} h ${pad(m)} min`;
  if (h > 0) return `${h} h ${pad(m)} min ${pad(s)} s`;
  return `${m} min ${pad(s)} s`;
}
