/**
 * Odoo's log line (odoo/netsvc.py, 16+):
 * `%(asctime)s %(pid)s %(levelname)s %(dbname)s %(name)s: %(message)s %(perf_info)s`.
 * asctime is `YYYY-MM-DD HH:MM:SS,mmm`; dbname is `?` outside a database's thread; perf_info
 * is empty (so the line ends with a space) except on werkzeug request lines, where it is
 * `query_count query_time remaining_time`, or `- - -` when the request ran no query (static
 * files). An exception's traceback follows the message on lines without any prefix.
 */
export const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type Level = (typeof LEVELS)[number];

export interface LogRecord {
  time: Date;
  pid: number;
  level: Level;
  /** `?` for server-wide lines. */
  db: string;
  logger: string;
  message: string;
  /** Werkzeug request lines only: `[query_count, query_time, remaining_time]`, or null for `- - -`. */
  perf?: [number, number, number] | null;
  /** Continuation lines (a traceback), written without prefix. */
  traceback?: string[];
}

export function formatAsctime(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}

export function formatRecord(r: LogRecord): string {
  let perf = '';
  if (r.perf === null) perf = '- - -';
  else if (r.perf) perf = `${r.perf[0]} ${r.perf[1].toFixed(3)} ${r.perf[2].toFixed(3)}`;
  const body = r.traceback?.length ? `${r.message}\n${r.traceback.join('\n')}` : r.message;
  return `${formatAsctime(r.time)} ${r.pid} ${r.level} ${r.db} ${r.logger}: ${body} ${perf}\n`;
}

/**
 * Odoo colours the level name when it logs to a terminal or ODOO_PY_COLORS is set
 * (odoo/netsvc.py ColoredFormatter: `ESC[1;3xm ESC[1;4xm LEVEL ESC[0m`, 16.0-18.0), and a file
 * written through a redirected terminal keeps those bytes: the head allows them around the level.
 */
const SGR = '(?:\\x1b\\[[0-9;]*m)*';
const HEAD = new RegExp(
  `^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3}) (\\d+) ${SGR}(DEBUG|INFO|WARNING|ERROR|CRITICAL)${SGR} (\\S+) ([^\\s:]+): `,
);

export interface RecordHead {
  /** `YYYY-MM-DD HH:MM:SS,mmm`, UTC: compares as text. */
  time: string;
  level: Level;
  db: string;
  logger: string;
}

/** The fields of a record's first line; null for a continuation line (traceback). */
export function parseHead(line: string): RecordHead | null {
  const m = HEAD.exec(line);
  return m ? { time: m[1], level: m[3] as Level, db: m[4], logger: m[5] } : null;
}

const ZERO = 0x30;
const at = (b: Uint8Array, i: number) => b[i] - ZERO;
const HEAD_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
const digit = (b: Uint8Array, i: number) => i < b.length && at(b, i) >= 0 && at(b, i) <= 9;

/**
 * Whether the bytes at `i` start a record (`YYYY-MM-DD HH:MM:SS,mmm `): checked on bytes so
 * that scanning a 100 MB file for record boundaries decodes nothing.
 */
export function isHeadAt(b: Uint8Array, i: number): boolean {
  if (i + 24 > b.length) return false;
  // Separators first: most non-head lines fail on them at once; the offsets are a module
  // constant because a literal here was allocated on every call of a per-line check.
  if (b[i + 4] !== 0x2d || b[i + 10] !== 0x20) return false;
  for (let k = 0; k < HEAD_DIGITS.length; k++) if (!digit(b, i + HEAD_DIGITS[k])) return false;
  return b[i + 4] === 0x2d && b[i + 7] === 0x2d && b[i + 10] === 0x20 && b[i + 13] === 0x3a && b[i + 19] === 0x2c && b[i + 23] === 0x20;
}

/** `from`/`to` filters as record times: ISO dates or datetimes become `YYYY-MM-DD HH:MM:SS,mmm`. */
export function asRecordTime(d: Date): string {
  return formatAsctime(d);
}
