import { isHeadAt, parseHead, type Level, type RecordHead } from './format.js';
import { requiredLiteral } from './literal.js';

/**
 * The matching core of log search, over chunks that hold whole records: candidate hits are
 * found on the whole chunk at once (Buffer.indexOf for a fixed string, one global regular
 * expression over the decoded chunk otherwise), and lines are only split around them. A hit
 * returns its whole record (a traceback stays with the line that logged it) and ±N lines.
 */
export interface ScanFilter {
  /** Text to find on any line of a record; none: every record that passes the other filters. */
  q?: string;
  regex?: boolean;
  db?: string;
  levels?: Level[];
  /** Logger name or prefix (`odoo.addons.sale` matches its children). */
  logger?: string;
  /** Record times, `YYYY-MM-DD HH:MM:SS,mmm` (UTC), inclusive. */
  from?: string;
  to?: string;
  context: number;
}

export interface LogLine {
  file: string;
  /** 1-based line number in the file: with `file`, a permalink. */
  n: number;
  text: string;
  /** This line matched the text (or, without text, heads the matching record). */
  hit: boolean;
  /** Fields of the record the line belongs to (context lines outside a hit record: their own head, if any). */
  time?: string;
  level?: Level;
  db?: string;
  logger?: string;
}

/** A chunk of text, as bytes (fixed strings) or as a decoded string (regular expressions). */
interface Text {
  readonly length: number;
  /** Index of the next newline at or after `from`, or -1. */
  nl(from: number): number;
  /** Index of the last newline at or before `from`, or -1. */
  prevNl(from: number): number;
  isHead(i: number): boolean;
  line(start: number, end: number): string;
  /** Start of the next candidate hit at or after `from`, or -1. */
  find(from: number): number;
  /** Whether the line [start, end) matches on its own. */
  lineHits(start: number, end: number): boolean;
  /**
   * Takes the candidate records (start, end, first hit: triples, in order) before their lines
   * are asked for, and rewinds the hit search to a record's first hit with `seek`.
   */
  prepare(records: number[]): void;
  seek(hit: number): void;
}

const NL = 0x0a;

function bufferText(buf: Buffer, needle: Buffer | null, verify?: RegExp): Text {
  // The next occurrence of the needle at or after a line's start: lines are asked in order, so
  // each byte is searched once (no per-line Buffer views).
  let next = -2;
  // The candidate records decoded at once: one string per chunk, each line a slice of it. A
  // decode per line made the result strings (which all survive) the main cost of a search
  // with many hits, in native calls and in young-generation copies.
  let bulk = '';
  let starts: number[] = [];
  let at = 0;
  const line = (s: number, e: number): string => {
    // Lines are asked in order, except context before a hit (decoded on its own).
    while (at < starts.length && starts[at + 1] <= s) at += 3;
    if (at < starts.length && starts[at] <= s && e <= starts[at + 1]) return bulk.slice(starts[at + 2] + s - starts[at], starts[at + 2] + e - starts[at]);
    return buf.toString('utf8', s, e);
  };
  return {
    length: buf.length,
    nl: (from) => buf.indexOf(NL, from),
    prevNl: (from) => (from < 0 ? -1 : buf.lastIndexOf(NL, from)),
    isHead: (i) => isHeadAt(buf, i),
    line,
    prepare: (records) => {
      if (records.length < 6) return;
      let bytes = 0;
      for (let r = 0; r < records.length; r += 3) bytes += records[r + 1] - records[r];
      const joined = Buffer.allocUnsafe(bytes);
      starts = [];
      let o = 0;
      for (let r = 0; r < records.length; r += 3) {
        starts.push(records[r], records[r + 1], o);
        o += buf.copy(joined, o, records[r], records[r + 1]);
      }
      bulk = joined.toString('utf8');
      // Byte offsets are character offsets only for ASCII text; otherwise each line decodes alone.
      if (bulk.length !== bytes) starts = [];
    },
    seek: (hit) => {
      next = hit;
    },
    find: (from) => {
      if (!needle) return from < buf.length ? from : -1;
      // The occurrence lineHits found past the last hit record is the next candidate: reusing it
      // spares a second scan of every byte between two hits.
      if (next === -1 || next >= from) return next;
      return (next = buf.indexOf(needle, from));
    },
    lineHits: (s, e) => {
      if (!needle) return true;
      if (next !== -1 && next < s) next = buf.indexOf(needle, s);
      if (next < 0 || next + needle.length > e) return false;
      return !verify || verify.test(line(s, e));
    },
  };
}

function stringText(str: string, all: RegExp, one: RegExp): Text {
  const code = (i: number) => str.charCodeAt(i) - 0x30;
  const d = (i: number) => code(i) >= 0 && code(i) <= 9;
  return {
    length: str.length,
    nl: (from) => str.indexOf('\n', from),
    prevNl: (from) => (from < 0 ? -1 : str.lastIndexOf('\n', from)),
    isHead: (i) =>
      i + 24 <= str.length && d(i) && d(i + 3) && str[i + 4] === '-' && str[i + 10] === ' ' && str[i + 19] === ',' && str[i + 23] === ' ' && d(i + 22),
    line: (s, e) => str.slice(s, e),
    find: (from) => {
      all.lastIndex = from;
      const m = all.exec(str);
      return m ? m.index : -1;
    },
    lineHits: (s, e) => one.test(str.slice(s, e)),
    prepare: () => {},
    seek: () => {},
  };
}

function passes(head: RecordHead | null, f: ScanFilter): boolean {
  if (!f.db && !f.levels?.length && !f.logger && !f.from && !f.to) return true;
  if (!head) return false;
  if (f.db && head.db !== f.db) return false;
  if (f.levels?.length && !f.levels.includes(head.level)) return false;
  if (f.logger && head.logger !== f.logger && !head.logger.startsWith(f.logger + '.')) return false;
  if (f.from && head.time < f.from) return false;
  if (f.to && head.time > f.to) return false;
  return true;
}

/** One file's scan: feed it chunks, it emits matching lines in file order. */
export class LogScanner {
  private carry: Buffer = Buffer.alloc(0);
  /** Lines before the start of the carry. */
  private linesBefore = 0;
  private lastEmitted = 0;
  /** Context lines still owed after the last hit record. */
  private owedAfter = 0;
  /** The last lines of the previous chunk, for the context before a hit at a chunk's start. */
  private tail: { n: number; text: string }[] = [];
  private readonly needle: Buffer | null;
  private readonly all?: RegExp;
  private readonly one?: RegExp;

  constructor(
    readonly file: string,
    readonly filter: ScanFilter,
    private readonly emit: (line: LogLine) => void,
  ) {
    const q = filter.q || undefined;
    const literal = q && filter.regex ? requiredLiteral(q) : null;
    this.needle = q && !filter.regex ? Buffer.from(q) : literal ? Buffer.from(literal) : null;
    if (q && filter.regex) {
      this.one = new RegExp(q);
      // Without a literal every match must contain, one global expression runs over the chunk.
      if (!literal) this.all = new RegExp(q, 'gm');
    }
  }

  /**
   * Takes the next bytes of the file; processes the whole records among them. The chunk may be
   * reused by the caller afterwards (what is kept is copied): reading into one buffer spares
   * the garbage collector a megabyte per chunk.
   */
  push(chunk: Buffer): void {
    let rest = chunk;
    if (this.carry.length) {
      // The record the previous chunk ended in continues up to the first head of this one.
      let first = this.carry[this.carry.length - 1] === NL && isHeadAt(chunk, 0) ? 0 : -1;
      for (let nl = chunk.indexOf(NL); first < 0 && nl >= 0; nl = chunk.indexOf(NL, nl + 1)) {
        if (isHeadAt(chunk, nl + 1)) first = nl + 1;
      }
      if (first < 0 && this.carry.length + chunk.length <= 16 * 1024 * 1024) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      // No head in 16 MB (a pathological record): cut at the last line end to keep memory bounded.
      if (first < 0) first = chunk.lastIndexOf(NL) + 1;
      this.process(Buffer.concat([this.carry, chunk.subarray(0, first)]));
      this.carry = Buffer.alloc(0);
      rest = chunk.subarray(first);
    }
    // Cut before the last record head: everything before it is whole records.
    let cut = -1;
    for (let nl = rest.lastIndexOf(NL); nl > 0; nl = rest.lastIndexOf(NL, nl - 1)) {
      if (isHeadAt(rest, nl + 1)) {
        cut = nl + 1;
        break;
      }
    }
    if (cut > 0) this.process(rest.subarray(0, cut));
    this.carry = Buffer.from(rest.subarray(Math.max(cut, 0)));
  }

  end(): void {
    if (this.carry.length) this.process(this.carry);
    this.carry = Buffer.alloc(0);
  }

  private process(buf: Buffer): void {
    const text = this.all ? stringText(buf.toString('utf8'), this.all, this.one!) : bufferText(buf, this.needle, this.one);
    const textMode = !!this.filter.q;
    const n = this.filter.context;
    // Line numbers of positions, counted forward only, once per chunk.
    let countedPos = 0;
    let countedLines = this.linesBefore;
    const lineNo = (pos: number) => {
      for (let nl = text.nl(countedPos); nl >= 0 && nl < pos; nl = text.nl(nl + 1)) {
        countedLines++;
        countedPos = nl + 1;
      }
      if (countedPos < pos) countedPos = pos;
      return countedLines + 1;
    };
    const lineEnd = (s: number) => {
      const e = text.nl(s);
      return e < 0 ? text.length : e;
    };
    const context = (s: number, e: number, num: number) => {
      const t = text.line(s, e);
      this.put({ file: this.file, n: num, text: t, hit: false, ...parseHead(t) });
    };
    // Context owed after the last hit record, emitted lazily so that a hit right after it keeps its flag.
    let afterPos = 0;
    const flushAfter = (limit: number) => {
      while (this.owedAfter > 0 && afterPos < limit) {
        const e = lineEnd(afterPos);
        context(afterPos, e, lineNo(afterPos));
        this.owedAfter--;
        afterPos = e + 1;
      }
    };

    // The records holding a candidate hit first (start, end, first hit), then their lines.
    const records: number[] = [];
    for (let pos = 0; pos < text.length; ) {
      const i = text.find(pos);
      if (i < 0) break;
      let rs = text.prevNl(i - 1) + 1;
      while (rs > 0 && !text.isHead(rs)) rs = text.prevNl(rs - 2) + 1;
      let re = text.nl(i);
      while (re >= 0 && re + 1 < text.length && !text.isHead(re + 1)) re = text.nl(re + 1);
      re = re < 0 ? text.length : re + 1;
      records.push(rs, re, i);
      pos = re;
    }
    if (textMode) text.prepare(records);
    for (let r = 0; r < records.length; r += 3) {
      const rs = records[r];
      const re = records[r + 1];
      text.seek(records[r + 2]);
      const headText = text.line(rs, lineEnd(rs));
      const head = parseHead(headText);
      if (passes(head, this.filter)) {
        const lines: { s: number; e: number; hit: boolean }[] = [];
        let any = false;
        for (let s = rs; s < re; ) {
          const e = lineEnd(s);
          const hit = textMode ? text.lineHits(s, e) : s === rs;
          any ||= hit;
          lines.push({ s, e, hit });
          s = e + 1;
        }
        if (any) {
          flushAfter(rs);
          const first = lineNo(rs);
          if (n > 0) {
            // Context before: lines of this chunk, then the previous chunk's last lines.
            const before: { s: number; e: number }[] = [];
            for (let s = rs; before.length < n && s > 0; ) {
              const ps = text.prevNl(s - 2) + 1;
              before.unshift({ s: ps, e: s - 1 });
              s = ps;
            }
            const missing = n - before.length;
            if (missing > 0) {
              for (const l of this.tail.slice(Math.max(0, this.tail.length - missing))) {
                this.put({ file: this.file, ...l, hit: false, ...parseHead(l.text) });
              }
            }
            before.forEach((l, k) => context(l.s, l.e, first - before.length + k));
          }
          for (let k = 0; k < lines.length; k++) {
            const l = lines[k];
            const line: LogLine = { file: this.file, n: first + k, text: k === 0 ? headText : text.line(l.s, l.e), hit: l.hit };
            if (head) {
              line.time = head.time;
              line.level = head.level;
              line.db = head.db;
              line.logger = head.logger;
            }
            this.put(line);
          }
          this.owedAfter = n;
          afterPos = re;
        }
      }
    }
    flushAfter(text.length);

    // Keep the last lines for the context before a hit at the next chunk's start.
    const total = lineNo(text.length);
    const kept: { n: number; text: string }[] = [];
    for (let e = text.length - 1; kept.length < n && e > 0; ) {
      const s = text.prevNl(e - 1) + 1;
      kept.unshift({ n: 0, text: text.line(s, e) });
      e = s - 1;
    }
    kept.forEach((k, idx) => (k.n = total - kept.length + idx));
    this.tail = [...this.tail, ...kept].slice(-n || this.tail.length);
    this.linesBefore = total - 1;
  }

  private put(line: LogLine): void {
    if (line.n <= this.lastEmitted) return;
    this.lastEmitted = line.n;
    this.emit(line);
  }
}
