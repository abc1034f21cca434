import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { DEMO_PASSWORD } from '../support/env.js';
import { baseUrl, connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

const bin = path.resolve(import.meta.dirname, '../../bin/dbtools.js');
let app: App & { close(): Promise<void> };
let configHome: string;

function dbtools(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        env: {
          ...process.env,
          DBTOOLS_URL: baseUrl(),
          XDG_CONFIG_HOME: configHome,
          DBTOOLS_PASSWORD: DEMO_PASSWORD,
          DBTOOLS_TOKEN: '',
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  app = await connectTestApp();
  configHome = await mkdtemp(path.join(tmpdir(), 'dbtools-cli-'));
});
afterAll(async () => {
  await app.close();
  await rm(configHome, { recursive: true, force: true });
});

describe('the dbtools CLI against a running server', () => {
  it('logs in, searches, shows, runs an operation, reads the history, and fails with a non-zero code on 403', async () => {
    const db = await createTestTenant(app, { prefix: 'cli' });
    const login = await dbtools('login', 'functional');
    expect(login.code, login.stderr).toBe(0);
    const tokenFile = path.join(configHome, 'dbtools', 'token.json');
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(tokenFile, 'utf8'))).toMatchObject({
      url: baseUrl(),
      token: expect.stringMatching(/^dbt_/),
    });

    const until = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    const [list, show, run, refused] = await Promise.all([
      dbtools('databases', 'acme', '--json'),
      dbtools('show', 'acme-bakery', '--json'),
      dbtools('run', db.name, 'extend-trial', `until=${until}`, '--json'),
      dbtools('run', db.name, 'set-duplicate-limit', 'limit=1'),
    ]);
    expect(list.code, list.stderr).toBe(0);
    const items = JSON.parse(list.stdout) as { name: string }[];
    expect(Array.isArray(items)).toBe(true);
    expect(items.map((i) => i.name)).toContain('acme-bakery');

    expect(show.code, show.stderr).toBe(0);
    const page = JSON.parse(show.stdout);
    expect(page.database.name).toBe('acme-bakery');
    expect(page.level).toEqual({ value: 2, name: 'Functional Support' });
    expect(Object.keys(page.tools)).toContain('expire_date');

    expect(run.code, run.stderr).toBe(0);
    expect(new Date(JSON.parse(run.stdout).result.expire_date).toISOString().slice(0, 10)).toBe(until);

    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Technical Support/);

    const history = await dbtools('history', db.name);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/functional\s+extend-trial\s+success/);
    expect(history.stdout).toMatch(/page 1\/1/);
  });

  it('without a token it says how to log in and exits with 2', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'dbtools-cli-empty-'));
    try {
      const res = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [bin, 'databases'],
          { env: { ...process.env, DBTOOLS_URL: baseUrl(), XDG_CONFIG_HOME: empty, DBTOOLS_TOKEN: '' } },
          (error, _out, stderr) => resolve({ code: (error as { code?: number } | null)?.code ?? 0, stderr }),
        ),
      );
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/dbtools login/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
