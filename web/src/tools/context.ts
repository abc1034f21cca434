import { createContext, useContext } from 'react';
import type { OperationInfo, PageModel, PolicyAnswer } from '../types.js';

/** What every section and form of a Tools page shares: the page model and how to refresh it. */
export interface ToolsPageState {
  model: PageModel;
  /** Loads the page model again (after an operation, when a job ends). */
  refresh(): void;
  operations: OperationInfo[] | undefined;
  policy: PolicyAnswer | undefined;
}

export const ToolsPageContext = createContext<ToolsPageState | null>(null);

export function useToolsPage(): ToolsPageState {
  const s = useContext(ToolsPageContext);
  if (!s) throw new Error('useToolsPage outside a Tools page');
  return s;
}
