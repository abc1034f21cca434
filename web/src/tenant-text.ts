/**
 * Text that comes from tenants or the metabase (logins, names, companies, statuses, subscription
 * codes, history entries, server messages that quote them) is hostile: it may be 10,000
 * characters without a space, or carry bidi controls that make "gpj.exe" read as "exe.jpg".
 * Every such string reaches the page through `TenantText` (elements) or `tenantPlainText`
 * (attributes, `<option>`, the document title), which turn each control into a visible marker.
 */

/** The explicit bidi controls (embeddings, overrides, isolates, marks): their short Unicode names. */
const BIDI_CONTROLS: Record<string, string> = {
  '\u202A': 'LRE',
  '\u202B': 'RLE',
  '\u202C': 'PDF',
  '\u202D': 'LRO',
  '\u202E': 'RLO',
  '\u2066': 'LRI',
  '\u2067': 'RLI',
  '\u2068': 'FSI',
  '\u2069': 'PDI',
  '\u200E': 'LRM',
  '\u200F': 'RLM',
  '\u061C': 'ALM',
};

const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
const BIDI_SPLIT = /([\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C])/;

/** What a control shows as: ⟪RLO⟫. */
export function bidiMarker(control: string): string {
  return `⟪${BIDI_CONTROLS[control] ?? `U+${control.codePointAt(0)?.toString(16).toUpperCase()}`}⟫`;
}

export function hasBidiControl(text: string): boolean {
  return BIDI_CONTROL.test(text);
}

/** The text split into plain runs and controls (odd indexes are controls). */
export function bidiParts(text: string): string[] {
  return text.split(BIDI_SPLIT);
}

/**
 * The text with every bidi control replaced by its visible marker, shortened to `max`
 * characters with an ellipsis: for places that hold text only (`<option>`, `title`, document title).
 */
export function tenantPlainText(value: string | null | undefined, max = Infinity): string {
  if (value === null || value === undefined) return '—';
  const plain = bidiParts(value)
    .map((part, i) => (i % 2 === 1 ? bidiMarker(part) : part))
    .join('');
  return plain.length > max ? `${plain.slice(0, Math.max(0, max - 1))}…` : plain;
}

/** Options of a `<select>`: a choice must fit the form, the full value stays in the table above. */
export const OPTION_MAX_CHARS = 80;

export function optionText(value: string | null | undefined): string {
  return tenantPlainText(value, OPTION_MAX_CHARS);
}
