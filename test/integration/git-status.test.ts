import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { demoDatabases } from '../../src/demo/catalog.js';
import { GitStatusCache } from '../../src/git/server-status.js';
import type { GitRepoStatus } from '../../src/git/status-schema.js';
import { readGitStatus } from '../../src/git/status.js';
import { gitIn } from '../support/git.js';
import { AgentSession } from '../support/http.js';

const run = promisify(execFile);
const AUTHOR_DATE = '2026-03-14T09:26:53+01:00';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'dbtools-git-'));
  // Another OS user (postgres) must be able to reach the repository we hand over to it.
  await chmod(root, 0o755);
});
afterAll(() => rm(root, { recursive: true, force: true }));

function git(dir: string, ...args: string[]) {
  return gitIn(dir, args, AUTHOR_DATE);
}

/** A real repository with one commit of `files`. */
async function repository(
  name: string,
  files: Record<string, string> = { 'odoo-bin': '#!/usr/bin/env python3\n' },
) {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  await git(dir, 'init', '--quiet', '--initial-branch=17.0');
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  await git(dir, 'add', '--all');
  await git(dir, 'commit', '--quiet', '-m', '[FIX] web: keep the scroll position');
  const { stdout } = await git(dir, 'rev-parse', '--short', 'HEAD');
  return { dir, short: stdout.trim() };
}

describe('git status of a checkout', () => {
  it('of a clean checkout is its short commit, subject, author date and no changes', async () => {
    const { dir, short } = await repository('clean');
    const status = await readGitStatus('odoo', dir);
    expect(status).toEqual({
      repo: 'odoo',
      commit: short,
      subject: '[FIX] web: keep the scroll position',
      date: AUTHOR_DATE,
      branch: '17.0',
      upstream: null,
      changes: { count: 0, files: [] },
    });
  });

  it('of a checkout with local changes counts modified, staged, deleted and untracked files and names the first few', async () => {
    const { dir } = await repository('dirty', {
      'addons/web/models.py': 'a = 1\n',
      'addons/sale/models.py': 'b = 1\n',
      'odoo/release.py': 'c = 1\n',
    });
    await writeFile(path.join(dir, 'addons/web/models.py'), 'a = 2\n');
    await writeFile(path.join(dir, 'odoo/hotfix.py'), 'staged = True\n');
    await git(dir, 'add', 'odoo/hotfix.py');
    await unlink(path.join(dir, 'odoo/release.py'));
    await mkdir(path.join(dir, 'build/assets'), { recursive: true });
    for (let i = 0; i < 4; i++) await writeFile(path.join(dir, `build/assets/bundle-${i}.js`), '//\n');
    const status = await readGitStatus('enterprise', dir, { keepFiles: 5 });
    expect(status.error).toBeUndefined();
    expect(status.changes?.count).toBe(7);
    expect(status.changes?.files).toHaveLength(5);
    expect(status.changes?.files).toEqual(
      expect.arrayContaining([
        { path: 'addons/web/models.py', staged: null, unstaged: 'modified' },
        { path: 'odoo/hotfix.py', staged: 'added', unstaged: null },
        { path: 'odoo/release.py', staged: null, unstaged: 'deleted' },
      ]),
    );
  });

  it('of a missing folder says the folder does not exist, of a file that it is not a folder', async () => {
    const dir = path.join(root, 'never-deployed');
    expect(await readGitStatus('internal', dir)).toEqual({
      repo: 'internal',
      error: `The folder ${dir} does not exist.`,
    });
    const file = path.join(root, 'odoo.tar');
    await writeFile(file, '');
    expect((await readGitStatus('odoo', file)).error).toBe(`${file} is not a folder.`);
  });

  it('of a folder that is not a repository says so, even inside another repository', async () => {
    const plain = path.join(root, 'plain');
    await mkdir(plain);
    expect((await readGitStatus('design-themes', plain)).error).toBe(
      `The folder ${plain} is not a git repository.`,
    );
    // A checkout path that is a subfolder of a repository must not report the parent's commit.
    const { dir } = await repository('parent', { 'addons/web/x.py': '' });
    const inside = path.join(dir, 'addons');
    expect((await readGitStatus('design-themes', inside)).error).toBe(
      `The folder ${inside} is not a git repository.`,
    );
  });

  it('of a repository without a commit says it has none', async () => {
    const dir = path.join(root, 'empty');
    await mkdir(dir);
    await git(dir, 'init', '--quiet');
    expect((await readGitStatus('internal', dir)).error).toBe(`The repository in ${dir} has no commit yet.`);
  });

  it('of a damaged repository says git failed, with git’s reason', async () => {
    const { dir } = await repository('damaged');
    const { stdout } = await git(dir, 'rev-parse', 'HEAD');
    const oid = stdout.trim();
    await rm(path.join(dir, '.git/objects', oid.slice(0, 2), oid.slice(2)));
    const status = await readGitStatus('odoo', dir);
    expect(status.commit).toBeUndefined();
    expect(status.error).toMatch(/^git failed \(exit \d+\): .+\.$/);
  });

  it('of a checkout owned by another user reads (safe.directory), where plain git refuses it', async () => {
    const { dir, short } = await repository('deployed-by-postgres');
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    await run('chown', ['-R', `${uid.stdout.trim()}:${gid.stdout.trim()}`, dir]);
    // Without safe.directory git refuses to read another owner's repository.
    await expect(git(dir, 'status')).rejects.toThrow(/dubious ownership/);
    const status = await readGitStatus('odoo', dir);
    expect(status).toMatchObject({ commit: short, changes: { count: 0, files: [] } });
    // Deploys often switch a symlink to the current release: git sees the resolved path.
    const current = path.join(root, 'current');
    await symlink(dir, current);
    expect(await readGitStatus('odoo', current)).toMatchObject({ commit: short });
  });

  it('of a hanging git answers "did not answer" at the timeout and leaves no process behind', async () => {
    // A clean filter that never returns: status re-reads a file whose mtime changed through it.
    const marker = `sleep ${30 + Math.floor(Math.random() * 1000) / 1000}`;
    const { dir } = await repository('hanging', { 'notes.txt': 'deploy notes\n' });
    await writeFile(path.join(dir, '.gitattributes'), '*.txt filter=stall\n');
    await git(dir, 'config', 'filter.stall.clean', `${marker}; cat`);
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(dir, 'notes.txt'), later, later);
    const started = performance.now();
    const status = await readGitStatus('odoo', dir, { timeoutMs: 1000 });
    const elapsed = performance.now() - started;
    expect(status).toEqual({
      repo: 'odoo',
      error: 'git did not answer within 1 second: the checkout may be on a stalled disk or locked.',
    });
    expect(elapsed).toBeLessThan(3000);
    const left = await run('pgrep', ['-f', marker]).then(
      (r) => r.stdout.trim(),
      () => '',
    );
    expect(left).toBe('');
  });

  it('leaves the index untouched, so it never takes the lock a deploy may need', async () => {
    const { dir, short } = await repository('deploying');
    // A file touched since the commit: a status with optional locks would refresh and rewrite the index.
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(dir, 'odoo-bin'), later, later);
    const before = await readFile(path.join(dir, '.git/index'));
    expect(await readGitStatus('odoo', dir)).toMatchObject({ commit: short, changes: { count: 0 } });
    expect((await readFile(path.join(dir, '.git/index'))).equals(before)).toBe(true);
  });
});

describe('git status of a server', () => {
  it('lists the four repositories in order, a repository without a configured folder in words', async () => {
    const odoo = await repository('server-a/odoo');
    const enterprise = await repository('server-a/enterprise');
    const configFile = path.join(root, 'servers.json');
    await writeFile(
      configFile,
      JSON.stringify({
        servers: [
          {
            name: 'eu-1',
            url: 'postgres://dbtools@10.0.0.5:5432/postgres',
            filestoreRoot: '/srv/filestore',
            backupRoot: '/srv/backups',
            logDir: '/var/log/odoo',
            configDir: '/etc/nginx/odoo.d',
            gitRepos: {
              odoo: odoo.dir,
              enterprise: enterprise.dir,
              internal: path.join(root, 'server-a/internal'),
            },
          },
        ],
      }),
    );
    const config = loadConfig({ DBTOOLS_CONFIG: configFile, DBTOOLS_DATA_DIR: root });
    const statuses = await new GitStatusCache().of(config, 'eu-1');
    expect(statuses.map((s) => s.repo)).toEqual(['odoo', 'enterprise', 'design-themes', 'internal']);
    expect(statuses[0].commit).toBe(odoo.short);
    expect(statuses[1].commit).toBe(enterprise.short);
    expect(statuses[2].error).toBe('No folder is configured for this repository on this server.');
    expect(statuses[3].error).toMatch(/does not exist/);
  });

  it('is read once per few seconds per server, concurrent pages sharing the read', async () => {
    const odoo = await repository('server-b/odoo');
    const configFile = path.join(root, 'servers-b.json');
    const server = {
      name: 'eu-2',
      url: 'postgres://dbtools@10.0.0.6:5432/postgres',
      filestoreRoot: '/srv/filestore',
      backupRoot: '/srv/backups',
      logDir: '/var/log/odoo',
      configDir: '/etc/nginx/odoo.d',
      gitRepos: { odoo: odoo.dir },
    };
    await writeFile(configFile, JSON.stringify({ servers: [server] }));
    const config = loadConfig({ DBTOOLS_CONFIG: configFile, DBTOOLS_DATA_DIR: root });
    let clock = 0;
    const cache = new GitStatusCache(5_000, {}, () => clock);
    const [first, concurrent] = [cache.of(config, 'eu-2'), cache.of(config, 'eu-2')];
    expect(concurrent).toBe(first);
    expect((await first)[0].changes?.count).toBe(0);
    await writeFile(path.join(odoo.dir, 'hotfix.py'), '');
    clock = 4_000;
    expect((await cache.of(config, 'eu-2'))[0].changes?.count).toBe(0);
    clock = 9_001;
    expect((await cache.of(config, 'eu-2'))[0].changes).toEqual({
      count: 1,
      files: [{ path: 'hotfix.py', staged: null, unstaged: 'untracked' }],
    });
  });
});

describe('the Tools page model', () => {
  const database = demoDatabases(new Date())[0].metabase.name;

  it('carries the git status of the demo server’s four checkouts for technical support', async () => {
    const technical = await AgentSession.login('technical');
    const page = await technical.call('GET /api/databases/:name', { params: { name: database } });
    expect(page.status).toBe(200);
    const git = page.body.git as GitRepoStatus[];
    expect(git.map((g) => g.repo)).toEqual(['odoo', 'enterprise', 'design-themes', 'internal']);
    expect(git[0]).toMatchObject({
      commit: expect.stringMatching(/^[0-9a-f]{7,}$/),
      branch: '17.0',
      upstream: { name: 'origin/17.0', ahead: 0, behind: 1 },
      changes: { count: 0 },
    });
    expect(git[1]).toMatchObject({ upstream: { name: 'origin/17.0', ahead: 1, behind: 0 }, changes: { count: 3 } });
    expect(git[2].error).toBeUndefined();
    expect(git[3].error).toMatch(/^The folder .*internal does not exist\.$/);
  });

  it('leaves the git status out below the technical logs’ level', async () => {
    const functional = await AgentSession.login('functional');
    const page = await functional.call('GET /api/databases/:name', { params: { name: database } });
    expect(page.status).toBe(200);
    expect(page.body.git).toBeUndefined();
  });
});
