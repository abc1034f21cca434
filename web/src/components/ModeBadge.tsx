import type { Mode } from '../types.js';

export function ModeBadge({ mode, extraApps }: { mode: Mode; extraApps?: boolean }) {
  const label = mode === 'trial' && extraApps === false ? 'trial · one-app free' : mode;
  return <span className={`badge mode-${mode}`}>{label}</span>;
}
