import { createContext, useContext } from 'react';
import type { Job, OperationInfo, PageModel, PolicyAnswer } from '../types.js';

/** A long job the page follows: the model's running job, or one a form of the page started. */
export interface WatchedJob {
  id: string;
  kind?: string;
  /** The access key of the section whose form started it (its progress shows there). */
  access?: string;
  /** Set once the job completed or failed: its last state, result included. */
  finished?: Job;
}

/** What every section and form of a Tools page shares: the page model and how to refresh it. */
export interface ToolsPageState {
  model: PageModel;
  /** Loads the page model again (after an operation, when a job ends). */
  refresh(): void;
  operations: OperationInfo[] | undefined;
  policy: PolicyAnswer | undefined;
  /** The jobs followed on this page, oldest first; finished ones stay until their section starts another. */
  jobs: WatchedJob[];
  /** Follows a job an operation answered: its progress bar shows in the section of `access`. */
  watchJob(job: { id: string; kind?: string }, access?: string): void;
}

export const ToolsPageContext = createContext<ToolsPageState | null>(null);

export function useToolsPage(): ToolsPageState {
  const s = useContext(ToolsPageContext);
  if (!s) throw new Error('useToolsPage outside a Tools page');
  return s;
}
