import type { ComponentType } from 'react';
import type { PageModel, ToolModel, ToolModelBase } from '../types.js';

export interface ToolSectionProps<M> {
  /** This tool's entry of the page model (`tools[key]`). */
  model: M & ToolModelBase;
  page: PageModel;
}

/**
 * One section of the Tools page, keyed by its access-map key: it is shown when the page model
 * has `tools[key]` (the server decides who sees what). Register it in `tools/index.ts`.
 */
export interface ToolSection {
  key: string;
  /** Tells apart two sections of one access key (anchor, heading id); default: the key. */
  id?: string;
  title: string;
  /** Takes the full width of the page (tables). */
  wide?: boolean;
  /** Kinds of the long jobs this section's operations start: a running one shows its progress here. */
  jobKinds?: string[];
  Component: ComponentType<ToolSectionProps<ToolModel>>;
}

export function defineToolSection<M>(section: {
  key: string;
  id?: string;
  title: string;
  wide?: boolean;
  jobKinds?: string[];
  Component: ComponentType<ToolSectionProps<M>>;
}): ToolSection {
  // Each section knows the shape of its own model; the list holds them type-erased.
  return section as unknown as ToolSection;
}
