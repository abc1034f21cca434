import { execFile } from 'node:child_process';
import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { pathExists } from '../hosting/path-exists.js';
import type { GitRepo, GitRepoPaths } from '../git/repositories.js';

const run = promisify(execFile);

interface DemoCommit {
  daysAgo: number;
  subject: string;
  files: Record<string, string>;
  /**
   * Where the commit is, for a checkout that tracks `origin/17.0`: only on the server (`local`,
   * the checkout is ahead), only on the remote (`upstream`: not deployed yet, behind), or both.
   */
  only?: 'local' | 'upstream';
}

interface DemoRepo {
  commits: DemoCommit[];
  /** The remote the checkout tracks (`origin/17.0`); none: a branch without upstream. */
  origin?: string;
  /** Edits left in the work tree, as a hotfix applied by hand on the server would be. */
  localChanges?: Record<string, string>;
  /** New files added to the index but not committed. */
  staged?: Record<string, string>;
}

const manifest = (name: string) =>
  `{\n    'name': '${name}',\n    'version': '17.0.1.0',\n    'license': 'LGPL-3',\n}\n`;

/** The checkouts of the demo server; `internal` is left out so the page shows a missing folder. */
const DEMO_REPOS: Partial<Record<GitRepo, DemoRepo>> = {
  odoo: {
    // One fix merged upstream and not deployed yet: the checkout is a commit behind.
    origin: 'https://github.com/odoo/odoo.git',
    commits: [
      {
        daysAgo: 21,
        subject: '[REL] 17.0',
        files: {
          'odoo-bin':
            '#!/usr/bin/env python3\nimport odoo\n\nif __name__ == "__main__":\n    odoo.cli.main()\n',
          'odoo/release.py': "version_info = (17, 0, 0, 'final', 0, '')\n",
          'addons/web/__manifest__.py': manifest('Web'),
        },
      },
      {
        daysAgo: 6,
        subject: '[FIX] web: keep the scroll position when a list view reloads',
        files: {
          'addons/web/static/src/views/list/list_renderer.js':
            '/** @odoo-module **/\nexport const keepScroll = true;\n',
        },
      },
      {
        daysAgo: 2,
        subject: '[FIX] account: round the tax base per line when the company rounds globally',
        files: { 'addons/account/models/account_tax.py': 'ROUND_PER_LINE = True\n' },
      },
      {
        daysAgo: 1,
        subject: '[FIX] stock: keep the reserved quantity when a picking is split',
        files: { 'addons/stock/models/stock_picking.py': 'KEEP_RESERVED_ON_SPLIT = True\n' },
        only: 'upstream',
      },
    ],
  },
  enterprise: {
    // A hotfix committed on the server (a commit ahead of its upstream), and more left uncommitted.
    origin: 'https://github.com/odoo/enterprise.git',
    commits: [
      {
        daysAgo: 20,
        subject: '[REL] 17.0',
        files: {
          'web_studio/__manifest__.py': manifest('Studio'),
          'account_accountant/models/account_move.py': 'class AccountMove:\n    _inherit = "account.move"\n',
        },
      },
      {
        daysAgo: 3,
        subject: '[FIX] account_accountant: reconcile partial payments in the bank widget',
        files: {
          'account_accountant/models/account_move.py':
            'class AccountMove:\n    _inherit = "account.move"\n    partial = True\n',
        },
      },
      {
        daysAgo: 1,
        subject: '[FIX] web_studio: hotfix for ticket 4711, committed on the server',
        files: { 'web_studio/models/studio_mixin.py': 'HOTFIX_4711 = True\n' },
        only: 'local',
      },
    ],
    localChanges: {
      'account_accountant/models/account_move.py':
        'class AccountMove:\n    _inherit = "account.move"\n    partial = True\n    # hotfix applied on the server, ticket 4711\n',
      'web_studio/static/src/hotfix_4711.js': '// left on the server by hand\n',
    },
    staged: { 'web_studio/models/studio_hotfix.py': 'HOTFIX_4712 = True\n' },
  },
  'design-themes': {
    commits: [
      {
        daysAgo: 30,
        subject: '[REL] 17.0',
        files: { 'theme_bewise/__manifest__.py': manifest('Bewise Theme') },
      },
      {
        daysAgo: 9,
        subject: '[IMP] theme_bewise: lighter header on small screens',
        files: { 'theme_bewise/static/src/scss/header.scss': '.o_header { opacity: 0.95; }\n' },
      },
    ],
  },
};

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
}

/**
 * The commits as one `git fast-import` stream: one process writes the whole history. Commits on
 * one side only branch off the last shared one: `17.0` gets the local ones, `origin/17.0` (the
 * remote-tracking branch, as a fetch leaves it) the upstream ones.
 */
function fastImportStream(repo: DemoRepo, now: Date): Buffer {
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const parts: string[] = [];
  let shared: number | undefined;
  const last: { local?: number; upstream?: number } = {};
  repo.commits.forEach((commit, i) => {
    const mark = i + 1;
    const seconds = Math.floor(now.getTime() / 1000) - commit.daysAgo * 86_400;
    const who = `Odoo Runbot <runbot@odoo.example> ${seconds} +0000`;
    const ref = commit.only === 'upstream' ? 'refs/remotes/origin/17.0' : 'refs/heads/17.0';
    const parent = commit.only ? (last[commit.only] ?? shared) : shared;
    parts.push(
      `commit ${ref}\nmark :${mark}\nauthor ${who}\ncommitter ${who}\n${data(commit.subject)}` +
        (parent ? `from :${parent}\n` : ''),
    );
    for (const [file, content] of Object.entries(commit.files)) {
      parts.push(`M ${file === 'odoo-bin' ? '100755' : '100644'} inline ${file}\n${data(content)}`);
    }
    if (commit.only) last[commit.only] = mark;
    else shared = mark;
  });
  if (repo.origin && shared) {
    parts.push(`reset refs/heads/17.0\nfrom :${last.local ?? shared}\n\n`);
    parts.push(`reset refs/remotes/origin/17.0\nfrom :${last.upstream ?? shared}\n\n`);
  }
  return Buffer.from(parts.join(''));
}

async function buildRepo(dir: string, repo: DemoRepo, now: Date): Promise<void> {
  // The operator's own git config (hooks, signing, templates) must not reach the demo.
  const env = { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  // Three processes a repository whatever its history (four with staged files): this runs at
  // every test start.
  await run('git', ['init', '--quiet', '--initial-branch=17.0', dir], { env });
  if (repo.origin) {
    // What a clone writes, without four `git config` processes. Nothing fetches from it: the
    // remote-tracking branch above is what the status compares with.
    await appendFile(
      path.join(dir, '.git', 'config'),
      `[remote "origin"]\n\turl = ${repo.origin}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n` +
        `[branch "17.0"]\n\tremote = origin\n\tmerge = refs/heads/17.0\n`,
    );
  }
  const importing = run('git', ['-C', dir, 'fast-import', '--quiet'], { env });
  importing.child.stdin!.end(fastImportStream(repo, now));
  await importing;
  await run('git', ['-C', dir, 'reset', '--hard', '--quiet'], { env });
  if (repo.localChanges) await writeFiles(dir, repo.localChanges);
  if (repo.staged) {
    await writeFiles(dir, repo.staged);
    await run('git', ['-C', dir, 'add', '--', ...Object.keys(repo.staged)], { env });
  }
}

/**
 * Creates the demo server's checkouts as real git repositories, once: a folder already there is
 * left alone (a second start, or an operator's real checkout). Each is built beside its place
 * and renamed in, so a start killed half-way leaves no half-made repository behind.
 */
export async function seedDemoGitRepos(paths: GitRepoPaths, now: Date): Promise<void> {
  await Promise.all(
    Object.entries(DEMO_REPOS).map(async ([name, repo]) => {
      const dir = paths[name as GitRepo];
      if (!dir || (await pathExists(dir))) return;
      const building = `${dir}.building`;
      await rm(building, { recursive: true, force: true });
      await buildRepo(building, repo, now);
      await rename(building, dir);
    }),
  );
}
