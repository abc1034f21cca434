/**
 * `git status --porcelain=v2 --branch -z`, read as it streams: a deployed checkout with a
 * runaway build folder can list hundreds of thousands of untracked files, so entries are
 * counted, and only the first few kept.
 *
 * Records are NUL-terminated (-z: paths come verbatim, never quoted, and may hold spaces or
 * newlines):
 *   # branch.oid <sha> | (initial)          # branch.head <name> | (detached)
 *   # branch.upstream <name>                # branch.ab +<ahead> -<behind>  (absent: upstream gone)
 *   1 <XY> <sub> <mH> <mI> <mW> <hH> <hI> <path>
 *   2 <XY> <sub> <mH> <mI> <mW> <hH> <hI> <X><score> <path>  NUL <origPath>
 *   u <XY> <sub> <m1> <m2> <m3> <mW> <h1> <h2> <h3> <path>
 *   ? <path>                                ! <path>  (only with --ignored)
 * X is the index against HEAD (staged), Y the work tree against the index (unstaged).
 */

import type { GitChange, GitConflict, GitFileStatus, GitUpstream } from './status-schema.js';

export interface PorcelainStatus {
  /** The commit checked out; null before the first commit. */
  oid: string | null;
  /** The branch checked out; null when the HEAD is detached. */
  branch: string | null;
  /** Null when the branch tracks nothing (or the HEAD is detached). */
  upstream: GitUpstream | null;
  /** Distinct paths listed: a staged deletion with an untracked file of the same name is one path. */
  count: number;
  /** The first few of them, in git's order (tracked changes by path, then untracked, then ignored). */
  files: GitFileStatus[];
}

/** Fields before the path of each entry kind (the path itself may contain spaces). */
const FIELDS_BEFORE_PATH: Record<string, number> = { '1': 8, '2': 9, u: 10, '?': 1, '!': 1 };

const CHANGE: Record<string, GitChange | null> = {
  '.': null,
  M: 'modified',
  T: 'type-changed',
  A: 'added',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
};

const CONFLICT: Record<string, GitConflict> = {
  UU: 'both-modified',
  AA: 'both-added',
  DD: 'both-deleted',
  AU: 'added-by-us',
  UA: 'added-by-them',
  DU: 'deleted-by-us',
  UD: 'deleted-by-them',
};

export class PorcelainV2Reader {
  private rest = '';
  /** The entry whose original path (rename or copy) is the next record. */
  private awaitingFrom: GitFileStatus | null = null;
  /**
   * Paths staged as deleted: an untracked file of the same name is the same path in a second
   * state, not another one. Only these are remembered (not every path), so memory stays bounded
   * by the staged deletions however many untracked files follow.
   */
  private readonly stagedDeletions = new Map<string, GitFileStatus | null>();
  private readonly status: PorcelainStatus = { oid: null, branch: null, upstream: null, count: 0, files: [] };
  private upstreamName: string | null = null;
  private aheadBehind: { ahead: number; behind: number } | null = null;

  constructor(private readonly keepFiles = 20) {}

  push(chunk: string): void {
    const records = (this.rest + chunk).split('\0');
    this.rest = records.pop()!;
    for (const record of records) this.record(record);
  }

  end(): PorcelainStatus {
    // Without -z's final NUL (a truncated stream), the last record still counts.
    if (this.rest) this.record(this.rest);
    this.rest = '';
    const upstream: GitUpstream | null =
      this.upstreamName === null
        ? null
        : this.aheadBehind
          ? { name: this.upstreamName, ...this.aheadBehind }
          : { name: this.upstreamName, gone: true };
    return { ...this.status, upstream, files: this.status.files.map((f) => ({ ...f })) };
  }

  private record(record: string): void {
    if (this.awaitingFrom) {
      this.awaitingFrom.from = record;
      this.awaitingFrom = null;
      return;
    }
    if (record.startsWith('# ')) return this.header(record.slice(2));
    const kind = record[0];
    const fields = FIELDS_BEFORE_PATH[kind];
    if (fields === undefined || record[1] !== ' ') return;
    const path = afterFields(record, fields);
    if (path === undefined) return;
    if (kind === '?' || kind === '!') return this.untracked(path, kind === '?' ? 'untracked' : 'ignored');
    const xy = record.slice(2, 4);
    const file: GitFileStatus =
      kind === 'u'
        ? { path, staged: null, unstaged: null, conflict: CONFLICT[xy] ?? 'both-modified' }
        : { path, staged: CHANGE[xy[0]] ?? null, unstaged: CHANGE[xy[1]] ?? null };
    const kept = this.add(file);
    // The original path follows as a record of its own: it must not be read as an entry.
    if (kind === '2') this.awaitingFrom = kept ?? { ...file };
    if (file.staged === 'deleted') this.stagedDeletions.set(path, kept);
  }

  private untracked(path: string, state: 'untracked' | 'ignored'): void {
    if (state === 'untracked' && this.stagedDeletions.has(path)) {
      const deleted = this.stagedDeletions.get(path);
      if (deleted) deleted.unstaged = 'untracked';
      return;
    }
    this.add({ path, staged: null, unstaged: state });
  }

  /** Counts the entry and keeps it if there is room; the kept object, or null. */
  private add(file: GitFileStatus): GitFileStatus | null {
    this.status.count += 1;
    if (this.status.files.length >= this.keepFiles) return null;
    this.status.files.push(file);
    return file;
  }

  private header(header: string): void {
    const space = header.indexOf(' ');
    const [key, value] = space < 0 ? [header, ''] : [header.slice(0, space), header.slice(space + 1)];
    if (key === 'branch.oid') this.status.oid = value === '(initial)' ? null : value;
    else if (key === 'branch.head') this.status.branch = value === '(detached)' ? null : value;
    else if (key === 'branch.upstream') this.upstreamName = value;
    else if (key === 'branch.ab') {
      const ab = /^\+(\d+) -(\d+)$/.exec(value);
      if (ab) this.aheadBehind = { ahead: Number(ab[1]), behind: Number(ab[2]) };
    }
  }
}

/** What follows the first `count` space-separated fields of a record. */
function afterFields(record: string, count: number): string | undefined {
  let at = 0;
  for (let i = 0; i < count; i++) {
    at = record.indexOf(' ', at) + 1;
    if (at === 0) return undefined;
  }
  return record.slice(at) || undefined;
}

export function parsePorcelainV2(output: string, keepFiles?: number): PorcelainStatus {
  const reader = new PorcelainV2Reader(keepFiles);
  reader.push(output);
  return reader.end();
}
