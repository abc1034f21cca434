/**
 * `git status --porcelain=v2 --branch -z`, read as it streams: a deployed checkout with a
 * runaway build folder can list hundreds of thousands of untracked files, so entries are
 * counted, and only the first few paths kept.
 *
 * Records are NUL-terminated (-z: paths come verbatim, never quoted):
 *   # branch.oid <sha> | (initial)          # branch.head <name> | (detached)
 *   1 <XY> <sub> <mH> <mI> <mW> <hH> <hI> <path>
 *   2 <XY> <sub> <mH> <mI> <mW> <hH> <hI> <X><score> <path>  NUL <origPath>
 *   u <XY> <sub> <m1> <m2> <m3> <mW> <h1> <h2> <h3> <path>
 *   ? <path>                                ! <path>  (ignored: not a change)
 */
export interface PorcelainStatus {
  /** The commit checked out; null before the first commit. */
  oid: string | null;
  /** The branch checked out; null when the HEAD is detached. */
  branch: string | null;
  /** Changed, unmerged and untracked entries. */
  count: number;
  paths: string[];
}

/** Fields before the path of each entry kind (the path itself may contain spaces). */
const FIELDS_BEFORE_PATH: Record<string, number> = { '1': 8, '2': 9, u: 10, '?': 1 };

export class PorcelainV2Reader {
  private rest = '';
  /** The next record is the original path of a rename or copy, not an entry. */
  private origPathNext = false;
  private readonly status: PorcelainStatus = { oid: null, branch: null, count: 0, paths: [] };

  constructor(private readonly keepPaths = 5) {}

  push(chunk: string): void {
    const records = (this.rest + chunk).split('\0');
    this.rest = records.pop()!;
    for (const record of records) this.record(record);
  }

  end(): PorcelainStatus {
    // Without -z's final NUL (a truncated stream), the last record still counts.
    if (this.rest) this.record(this.rest);
    this.rest = '';
    return { ...this.status, paths: [...this.status.paths] };
  }

  private record(record: string): void {
    if (this.origPathNext) {
      this.origPathNext = false;
      return;
    }
    if (record.startsWith('# ')) return this.header(record.slice(2));
    const kind = record[0];
    const fields = FIELDS_BEFORE_PATH[kind];
    if (fields === undefined || record[1] !== ' ') return;
    const path = afterFields(record, fields);
    if (path === undefined) return;
    if (kind === '2') this.origPathNext = true;
    this.status.count += 1;
    if (this.status.paths.length < this.keepPaths) this.status.paths.push(path);
  }

  private header(header: string): void {
    const space = header.indexOf(' ');
    const [key, value] = space < 0 ? [header, ''] : [header.slice(0, space), header.slice(space + 1)];
    if (key === 'branch.oid') this.status.oid = value === '(initial)' ? null : value;
    if (key === 'branch.head') this.status.branch = value === '(detached)' ? null : value;
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

export function parsePorcelainV2(output: string, keepPaths?: number): PorcelainStatus {
  const reader = new PorcelainV2Reader(keepPaths);
  reader.push(output);
  return reader.end();
}
