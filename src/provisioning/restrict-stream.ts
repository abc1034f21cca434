import { Transform, type TransformCallback } from 'node:stream';

/** psql's own restriction lines, as pg_dump 15.14+ writes them around a plain dump. */
const RESTRICT_LINE = /^\\(un)?restrict(\s|$)/;
/** A plain dump's data block starts with such a line and ends with `\.`; its lines are data, not commands. */
const COPY_FROM_STDIN = /^COPY\s.*\sFROM\s+stdin;\s*$/i;
/** A COPY header longer than this is not one pg_dump wrote; it is passed on as ordinary SQL. */
const MAX_HEADER = 1024 * 1024;

/**
 * Puts a customer's plain SQL under psql's `\restrict KEY` (psql 15.14+): every later
 * backslash command is refused, except `\unrestrict KEY`, and the key is random per run, so
 * the customer's stream cannot lift it. The dump's own `\restrict`/`\unrestrict` lines are
 * removed (psql refuses a second `\restrict`); lines inside COPY data pass untouched.
 */
export function restrictMetaCommands(key: string): Transform {
  if (!/^[A-Za-z0-9]{16,}$/.test(key)) throw new Error('a restrict key is 16+ letters and digits');
  let inCopy = false;
  /** The beginning of the current line, while it may still be a line we act on. */
  let head = Buffer.alloc(0);
  /** True while the rest of the current line is passed straight through. */
  let passing = false;

  function decide(line: Buffer, complete: boolean): 'drop' | 'pass' | 'wait' {
    const text = line.toString('latin1');
    if (inCopy) {
      // `\.\r\n` is the longest end marker: a longer unfinished line is data.
      if (!complete) return line.length >= 4 ? 'pass' : 'wait';
      if (/^\\\.\r?\n?$/.test(text)) inCopy = false;
      return 'pass';
    }
    if (text.startsWith('\\')) {
      if (!complete && line.length < 16) return 'wait';
      // Anything but psql's restriction lines is passed: psql itself refuses it. So is an
      // overlong one: the key is ours and random, so a forged \unrestrict only fails.
      if (!RESTRICT_LINE.test(text) || line.length >= MAX_HEADER) return 'pass';
      return complete ? 'drop' : 'wait';
    }
    if (/^copy\s/i.test(text) || (!complete && 'copy'.startsWith(text.toLowerCase()))) {
      if (!complete && line.length < MAX_HEADER) return 'wait';
      if (complete && COPY_FROM_STDIN.test(text.replace(/\r?\n$/, ''))) inCopy = true;
      return 'pass';
    }
    return 'pass';
  }

  return new Transform({
    construct(cb) {
      this.push(`\\restrict ${key}\n`);
      cb();
    },
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      let start = 0;
      while (start < chunk.length) {
        const nl = chunk.indexOf(10, start);
        const end = nl === -1 ? chunk.length : nl + 1;
        const piece = chunk.subarray(start, end);
        const complete = nl !== -1;
        if (passing) {
          this.push(piece);
        } else {
          const line = head.length ? Buffer.concat([head, piece]) : piece;
          const verdict = decide(line, complete);
          if (verdict === 'wait') {
            head = Buffer.from(line);
          } else {
            if (verdict === 'pass') this.push(line);
            head = Buffer.alloc(0);
            passing = !complete;
          }
        }
        if (complete) {
          passing = false;
          head = Buffer.alloc(0);
        }
        start = end;
      }
      cb();
    },
    flush(cb: TransformCallback) {
      if (head.length && decide(head, true) === 'pass') this.push(head);
      cb();
    },
  });
}
