import { useEffect, useState } from 'react';
import type { Job } from '../types.js';
import { useToolsPage } from './context.js';

export interface SectionJob {
  id: string;
  /** Queued or running: the section waits for it (its bar shows in the section, above its content). */
  running: boolean;
  /** Its final state (result or error) once it ended. */
  finished?: Job;
}

/**
 * The latest long job of these kinds the page follows (one a form of the page started, or the
 * page model's running job after a refresh), or undefined.
 */
export function useSectionJob(...kinds: string[]): SectionJob | undefined {
  const { model, jobs } = useToolsPage();
  const latest = [...jobs].reverse().find((j) => j.kind !== undefined && kinds.includes(j.kind));
  if (latest) return { id: latest.id, running: !latest.finished, finished: latest.finished };
  // The page model's running job, before the page has started following it.
  const own = model.job;
  if (own && kinds.includes(own.kind) && (own.state === 'queued' || own.state === 'running'))
    return { id: String(own.id), running: true };
  return undefined;
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
