import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePorcelainV2, PorcelainV2Reader } from '../../src/git/porcelain.js';
import type { GitFileStatus } from '../../src/git/status-schema.js';
import { readGitStatus } from '../../src/git/status.js';
import { gitIn } from '../support/git.js';

const OID = 'f457c90e1d2b0a9c8e7f6a5b4c3d2e1f0a9b8c7d';
const H = '0123456789abcdef0123456789abcdef01234567';

/** What `git status --porcelain=v2 --branch -z` prints, record by record. */
const records = [
  `# branch.oid ${OID}`,
  '# branch.head 17.0',
  '# branch.upstream origin/17.0',
  '# branch.ab +0 -2',
  `1 .M N... 100644 100644 100644 ${H} ${H} addons/web/static/src/list renderer.js`,
  `1 A. N... 000000 100644 100644 ${'0'.repeat(40)} ${H} odoo/new_module/__init__.py`,
  `2 R. N... 100644 100644 100644 ${H} ${H} R100 addons/sale/models/sale_order_new.py`,
  'addons/sale/models/sale_order.py',
  `u UU N... 100644 100644 100644 100644 ${H} ${H} ${H} odoo/release.py`,
  '? web_studio/static/src/hotfix 4711.js',
  '! addons/web/__pycache__/x.pyc',
];

describe('porcelain v2 parser', () => {
  it('reads the branch, its upstream and each path’s staged and unstaged state, a rename with its old name', () => {
    const status = parsePorcelainV2(records.join('\0') + '\0', 10);
    expect(status).toEqual({
      oid: OID,
      branch: '17.0',
      upstream: { name: 'origin/17.0', ahead: 0, behind: 2 },
      count: 6,
      files: [
        { path: 'addons/web/static/src/list renderer.js', staged: null, unstaged: 'modified' },
        { path: 'odoo/new_module/__init__.py', staged: 'added', unstaged: null },
        {
          path: 'addons/sale/models/sale_order_new.py',
          from: 'addons/sale/models/sale_order.py',
          staged: 'renamed',
          unstaged: null,
        },
        { path: 'odoo/release.py', staged: null, unstaged: null, conflict: 'both-modified' },
        { path: 'web_studio/static/src/hotfix 4711.js', staged: null, unstaged: 'untracked' },
        { path: 'addons/web/__pycache__/x.pyc', staged: null, unstaged: 'ignored' },
      ],
    });
  });

  it('keeps only the first few files while counting them all', () => {
    const untracked = Array.from({ length: 12 }, (_, i) => `? build/file-${i}.js`);
    const status = parsePorcelainV2([`# branch.oid ${OID}`, ...untracked].join('\0') + '\0', 3);
    expect(status.count).toBe(12);
    expect(status.files.map((f) => f.path)).toEqual([
      'build/file-0.js',
      'build/file-1.js',
      'build/file-2.js',
    ]);
  });

  it('reads the same status whatever the chunks the stream is cut into', () => {
    const text = records.join('\0') + '\0';
    const whole = parsePorcelainV2(text, 10);
    for (const size of [1, 3, 7, 64]) {
      const reader = new PorcelainV2Reader(10);
      for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
      expect(reader.end(), `chunks of ${size}`).toEqual(whole);
    }
  });

  it('reads a clean checkout on a detached HEAD as no branch, no upstream and no changes', () => {
    expect(parsePorcelainV2(`# branch.oid ${OID}\0# branch.head (detached)\0`)).toEqual({
      oid: OID,
      branch: null,
      upstream: null,
      count: 0,
      files: [],
    });
  });

  it('reads an upstream without ahead/behind counts as gone from the remote', () => {
    const text = `# branch.oid ${OID}\0# branch.head 17.0\0# branch.upstream origin/17.0\0`;
    expect(parsePorcelainV2(text).upstream).toEqual({ name: 'origin/17.0', gone: true });
  });

  it('reads a repository without a commit as no commit', () => {
    expect(parsePorcelainV2('# branch.oid (initial)\0# branch.head main\0? README.md\0').oid).toBeNull();
  });

  it('does not take a rename’s original path for a change of its own', () => {
    const rename = `2 R. N... 100644 100644 100644 ${H} ${H} R100 new name.py\0? old.py\0`;
    // "? old.py" here is the original path of the rename (it follows the entry), not an untracked file.
    expect(parsePorcelainV2(rename)).toMatchObject({
      count: 1,
      files: [{ path: 'new name.py', from: '? old.py', staged: 'renamed' }],
    });
  });

  it('counts a path staged as deleted and present untracked once, in both states', () => {
    const text = [
      `1 D. N... 100644 000000 000000 ${H} ${'0'.repeat(40)} odoo/release.py`,
      `1 .M N... 100644 100644 100644 ${H} ${H} odoo/tools/misc.py`,
      '? odoo/release.py',
      '? odoo/hotfix.py',
    ].join('\0');
    expect(parsePorcelainV2(text + '\0')).toMatchObject({
      count: 3,
      files: [
        { path: 'odoo/release.py', staged: 'deleted', unstaged: 'untracked' },
        { path: 'odoo/tools/misc.py', staged: null, unstaged: 'modified' },
        { path: 'odoo/hotfix.py', staged: null, unstaged: 'untracked' },
      ],
    });
    // The same when the deletion was counted but not kept: the count stays that of distinct paths.
    expect(parsePorcelainV2(text + '\0', 1).count).toBe(3);
  });

  it('names each kind of conflict as git status does', () => {
    const conflict = (xy: string, name: string) =>
      `u ${xy} N... 100644 100644 100644 100644 ${H} ${H} ${H} ${name}`;
    const text = ['UU', 'AA', 'DD', 'AU', 'UA', 'DU', 'UD'].map((xy) => conflict(xy, `f-${xy}`)).join('\0');
    expect(parsePorcelainV2(text + '\0').files.map((f) => f.conflict)).toEqual([
      'both-modified',
      'both-added',
      'both-deleted',
      'added-by-us',
      'added-by-them',
      'deleted-by-us',
      'deleted-by-them',
    ]);
  });
});

const run = promisify(execFile);

async function git(dir: string, ...args: string[]): Promise<string> {
  return (await gitIn(dir, args)).stdout;
}

async function commitFiles(
  dir: string,
  message: string,
  files: Record<string, string | null>,
): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    if (content === null) await git(dir, 'rm', '--quiet', '--', name);
    else {
      await writeFile(path.join(dir, name), content);
      await git(dir, 'add', '--', name);
    }
  }
  await git(dir, 'commit', '--quiet', '-m', message);
}

/**
 * What `git status --porcelain=v1 -z --branch` says, read independently of our parser: the
 * oracle our model is held against (same facts, another of git's formats).
 */
async function porcelainV1(dir: string) {
  const out = await git(dir, 'status', '--porcelain=v1', '-z', '--branch', '--untracked-files=all');
  const records = out.split('\0');
  const head = records.shift()!;
  const entries: { xy: string; path: string; from?: string }[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (!r) continue;
    const entry: { xy: string; path: string; from?: string } = { xy: r.slice(0, 2), path: r.slice(3) };
    // v1 -z: a rename or copy is followed by its source, as a record of its own.
    if (/[RC]/.test(entry.xy)) entry.from = records[++i];
    entries.push(entry);
  }
  return { head, entries };
}

const V1_STATE: Record<string, string | null> = {
  ' ': null,
  M: 'modified',
  T: 'type-changed',
  A: 'added',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
};
const V1_CONFLICT: Record<string, string> = {
  UU: 'both-modified',
  AA: 'both-added',
  DD: 'both-deleted',
  AU: 'added-by-us',
  UA: 'added-by-them',
  DU: 'deleted-by-us',
  UD: 'deleted-by-them',
};

/** Our files as v1 lists them: one line per state, so a deletion back as untracked is two. */
function asV1Lines(files: GitFileStatus[]): string[] {
  return files.flatMap((f) => {
    if (f.conflict) return [`${f.conflict} ${f.path}`];
    const lines: string[] = [];
    const untracked = f.unstaged === 'untracked';
    const unstaged = untracked ? null : f.unstaged;
    if (f.staged || unstaged)
      lines.push(`${f.staged ?? '-'}/${unstaged ?? '-'} ${f.from ? `${f.from} -> ` : ''}${f.path}`);
    if (untracked) lines.push(`untracked ${f.path}`);
    return lines;
  });
}

function v1Lines(entries: { xy: string; path: string; from?: string }[]): string[] {
  return entries.map((e) => {
    if (e.xy === '??') return `untracked ${e.path}`;
    if (V1_CONFLICT[e.xy]) return `${V1_CONFLICT[e.xy]} ${e.path}`;
    return `${V1_STATE[e.xy[0]] ?? '-'}/${V1_STATE[e.xy[1]] ?? '-'} ${e.from ? `${e.from} -> ` : ''}${e.path}`;
  });
}

describe('the git status of real repositories, as git itself lists it', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'dbtools-porcelain-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('reads branch, upstream, ahead and behind, staged and unstaged changes, a rename, a deletion back as untracked, conflicts and odd names', async () => {
    const upstream = path.join(root, 'upstream.git');
    const work = path.join(root, 'work');
    const other = path.join(root, 'other');
    await run('git', ['init', '--quiet', '--bare', '--initial-branch=17.0', upstream]);
    await run('git', ['init', '--quiet', '--initial-branch=17.0', work]);
    await commitFiles(work, '[REL] 17.0', {
      'both.txt': 'one\n',
      'list renderer.js': 'a\n',
      'old name.py': 'x = 1\n',
      'gone.txt': 'gone\n',
      'conflict.txt': 'base\n',
      'removed upstream.txt': 'kept\n',
      '.gitignore': '*.log\n',
    });
    await git(work, 'remote', 'add', 'origin', upstream);
    await git(work, 'push', '--quiet', '--set-upstream', 'origin', '17.0');
    // Two commits land upstream (the checkout is 2 behind) while the checkout gets one of its own.
    await run('git', ['clone', '--quiet', upstream, other]);
    await commitFiles(other, 'theirs', { 'conflict.txt': 'theirs\n' });
    await commitFiles(other, 'theirs: drop a file', { 'removed upstream.txt': null });
    await git(other, 'push', '--quiet');
    await commitFiles(work, 'ours', { 'conflict.txt': 'ours\n', 'removed upstream.txt': 'changed here\n' });
    await git(work, 'fetch', '--quiet');
    await expect(git(work, 'merge', 'origin/17.0')).rejects.toMatchObject({
      stdout: expect.stringMatching(/CONFLICT/),
    });
    // Staged and then changed again; changed only; renamed; deleted from the index but still there.
    await writeFile(path.join(work, 'both.txt'), 'two\n');
    await git(work, 'add', 'both.txt');
    await writeFile(path.join(work, 'both.txt'), 'three\n');
    await writeFile(path.join(work, 'list renderer.js'), 'b\n');
    await git(work, 'mv', 'old name.py', 'new name.py');
    await git(work, 'rm', '--quiet', '--cached', 'gone.txt');
    // Names from whoever deployed: a newline, accents and an emoji; a log file that is ignored.
    await writeFile(path.join(work, 'new\nline.txt'), '');
    await writeFile(path.join(work, 'café ☕.txt'), 'crème\n');
    await git(work, 'add', 'café ☕.txt');
    await writeFile(path.join(work, 'debug.log'), '');

    const status = await readGitStatus('odoo', work);
    expect(status.error).toBeUndefined();
    expect(status.branch).toBe('17.0');
    expect(status.upstream).toEqual({ name: 'origin/17.0', ahead: 1, behind: 2 });
    const byPath = (a: GitFileStatus, b: GitFileStatus) => (a.path < b.path ? -1 : 1);
    const expected: GitFileStatus[] = [
      { path: 'both.txt', staged: 'modified', unstaged: 'modified' },
      { path: 'café ☕.txt', staged: 'added', unstaged: null },
      { path: 'conflict.txt', staged: null, unstaged: null, conflict: 'both-modified' },
      { path: 'gone.txt', staged: 'deleted', unstaged: 'untracked' },
      { path: 'list renderer.js', staged: null, unstaged: 'modified' },
      { path: 'new name.py', from: 'old name.py', staged: 'renamed', unstaged: null },
      { path: 'new\nline.txt', staged: null, unstaged: 'untracked' },
      { path: 'removed upstream.txt', staged: null, unstaged: null, conflict: 'deleted-by-them' },
    ];
    expect([...status.changes!.files].sort(byPath)).toEqual(expected.sort(byPath));
    // Eight paths, though git's short format has nine lines (gone.txt is deleted and untracked).
    expect(status.changes!.count).toBe(8);

    const v1 = await porcelainV1(work);
    expect(v1.head).toBe('## 17.0...origin/17.0 [ahead 1, behind 2]');
    expect(v1.entries).toHaveLength(9);
    expect(new Set(v1.entries.map((e) => e.path)).size).toBe(status.changes!.count);
    expect(asV1Lines(status.changes!.files).sort()).toEqual(v1Lines(v1.entries).sort());

    // Ignored files only when asked, as git status --ignored lists them.
    const ignored = parsePorcelainV2(
      await git(work, 'status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all', '--ignored'),
    );
    expect(ignored.files.filter((f) => f.unstaged === 'ignored')).toEqual([
      { path: 'debug.log', staged: null, unstaged: 'ignored' },
    ]);
    expect(ignored.count).toBe(9);
  });

  it('reads a copy with its source, a detached HEAD, a branch without upstream and one whose upstream is gone', async () => {
    const upstream = path.join(root, 'upstream-2.git');
    const work = path.join(root, 'work-2');
    await run('git', ['init', '--quiet', '--bare', '--initial-branch=17.0', upstream]);
    await run('git', ['init', '--quiet', '--initial-branch=17.0', work]);
    await commitFiles(work, '[REL] 17.0', { 'a.py': 'a = 1\n'.repeat(20) });
    await git(work, 'remote', 'add', 'origin', upstream);
    await git(work, 'push', '--quiet', '--set-upstream', 'origin', '17.0');

    // Copies are found when the repository asks for them (status.renames) and the source changed too.
    await git(work, 'config', 'status.renames', 'copies');
    await writeFile(path.join(work, 'b.py'), 'a = 1\n'.repeat(20));
    await writeFile(path.join(work, 'a.py'), 'a = 1\n'.repeat(19) + 'a = 2\n');
    await git(work, 'add', 'a.py', 'b.py');
    const copied = await readGitStatus('odoo', work);
    expect(copied.upstream).toEqual({ name: 'origin/17.0', ahead: 0, behind: 0 });
    expect(copied.changes).toEqual({
      count: 2,
      files: [
        { path: 'a.py', staged: 'modified', unstaged: null },
        { path: 'b.py', from: 'a.py', staged: 'copied', unstaged: null },
      ],
    });
    const v1 = await porcelainV1(work);
    expect(asV1Lines(copied.changes!.files).sort()).toEqual(v1Lines(v1.entries).sort());
    await git(work, 'commit', '--quiet', '-m', 'copy');

    await git(work, 'checkout', '--quiet', '--detach');
    expect(await readGitStatus('odoo', work)).toMatchObject({ branch: null, upstream: null });

    await git(work, 'checkout', '--quiet', '-b', 'hotfix');
    expect(await readGitStatus('odoo', work)).toMatchObject({ branch: 'hotfix', upstream: null });

    await git(work, 'push', '--quiet', '--set-upstream', 'origin', 'hotfix');
    await git(work, 'push', '--quiet', 'origin', '--delete', 'hotfix');
    expect(await readGitStatus('odoo', work)).toMatchObject({
      branch: 'hotfix',
      upstream: { name: 'origin/hotfix', gone: true },
    });
    expect((await porcelainV1(work)).head).toBe('## hotfix...origin/hotfix [gone]');
  });
});
