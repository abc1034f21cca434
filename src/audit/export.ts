import type { MetabaseDb } from '../metabase/connect.js';
import { eachSupportLog, type SupportLogFilter } from '../metabase/repositories/support-logs.js';
import type { SupportLogRow } from '../metabase/schema.js';

export type ExportFormat = 'jsonl' | 'csv';

/** Every stored field, hashes included: an export can be re-verified away from the platform. */
const COLUMNS = [
  'id',
  'at',
  'agent_id',
  'agent_login',
  'agent_level',
  'operation',
  'database_name',
  'inputs',
  'outcome',
  'message',
  'request_id',
  'prev_hash',
  'hash',
] as const satisfies readonly (keyof SupportLogRow)[];

/**
 * A cell a spreadsheet will not run: text starting with = + - @ (or a tab or carriage return,
 * which some spreadsheets skip before reading a formula) gets a leading apostrophe; then the
 * usual CSV quoting.
 */
export function csvCell(value: unknown): string {
  let text =
    value === null || value === undefined
      ? ''
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One chunk per entry, oldest first, read page by page: the export never holds the history. */
export async function* exportSupportLogs(
  db: MetabaseDb,
  format: ExportFormat,
  filter: SupportLogFilter,
): AsyncGenerator<string> {
  if (format === 'csv') yield COLUMNS.join(',') + '\r\n';
  for await (const row of eachSupportLog(db, filter)) {
    if (format === 'csv') yield COLUMNS.map((c) => csvCell(row[c])).join(',') + '\r\n';
    else yield JSON.stringify(Object.fromEntries(COLUMNS.map((c) => [c, row[c]]))) + '\n';
  }
}
