import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, findPgBin } from '../../src/hosting/cluster.js';
import { DEMO_PASSWORD } from '../support/env.js';

/**
 * A real `tsx src/main.ts` in its own data folder, killed with SIGKILL at each step of a
 * restore in place and of a dump (DBTOOLS_CRASH_AT), then started again: the customer must
 * have the old database or the restored one, and nothing half-made may remain or be offered.
 */
const run = promisify(execFile);
const DB = 'acme-bakery';
let dataDir: string;
let port: number;
let child: ChildProcess | undefined;

function start(crashAt?: string): Promise<ChildProcess> {
  // node --import tsx: the process the crash hook kills is the one we watch (no tsx wrapper between).
  const p = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      DBTOOLS_DATA_DIR: dataDir,
      DBTOOLS_DEMO_PASSWORD: DEMO_PASSWORD,
      PORT: String(port),
      LOG_LEVEL: 'error',
      DBTOOLS_JOB_STALE_SECONDS: '3',
      DBTOOLS_CRASH_AT: crashAt ?? '',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child = p;
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 170_000;
    const poll = async () => {
      if (p.exitCode !== null || p.signalCode) return reject(new Error('dbtools exited during start'));
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return resolve(p);
      if (Date.now() > deadline) return reject(new Error('dbtools did not start'));
      setTimeout(poll, 300);
    };
    void poll();
  });
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode
    ? Promise.resolve()
    : new Promise((r) => p.once('exit', () => r()));
}

async function stop(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode) return;
  p.kill('SIGTERM');
  await exited(p);
}

class Api {
  constructor(
    private cookie = '',
    private csrf = '',
  ) {}
  static async login(login: string): Promise<Api> {
    const res = await fetch(`http://127.0.0.1:${port}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login, password: DEMO_PASSWORD }),
    });
    const body = (await res.json()) as { csrfToken: string };
    return new Api(res.headers.get('set-cookie')!.split(';')[0], body.csrfToken);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are read as JSON
  async req(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`http://127.0.0.1:${port}${url}`, {
      method,
      headers: {
        cookie: this.cookie,
        'x-csrf-token': this.csrf,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are read as JSON
  async waitJob(id: number): Promise<any> {
    for (let i = 0; i < 900; i++) {
      const r = await this.req('GET', `/api/jobs/${id}`);
      if (r.body.state === 'completed' || r.body.state === 'failed') return r.body;
      await new Promise((res) => setTimeout(res, 200));
    }
    throw new Error(`job ${id} did not finish`);
  }
}

async function cluster(): Promise<pg.ClientConfig> {
  const state = JSON.parse(await readFile(path.join(dataDir, 'pg', 'cluster.json'), 'utf8')) as {
    port: number;
  };
  return {
    host: path.join(dataDir, 'pg', 'socket'),
    port: state.port,
    user: process.getuid?.() === 0 ? 'postgres' : userInfo().username,
  };
}

async function withDb<T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ ...(await cluster()), database });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const marker = (value?: string) =>
  withDb(DB, async (c) => {
    if (value) {
      await c.query(
        `INSERT INTO ir_config_parameter (key, value) VALUES ('test.marker', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [value],
      );
    }
    return (
      await c.query<{ value: string }>(`SELECT value FROM ir_config_parameter WHERE key = 'test.marker'`)
    ).rows[0]?.value;
  });

async function leftovers(): Promise<string[]> {
  const dbs = await withDb('postgres', (c) =>
    c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '%.tmp'`),
  );
  const fs = (await readdir(path.join(dataDir, 'hosting', 'local', 'filestore'))).filter(
    (n) => n.endsWith('.tmp') || n.endsWith('.partial'),
  );
  return [...dbs.rows.map((r) => r.datname), ...fs];
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dbtools-crash-'));
  await chmod(dataDir, 0o755);
  port = await freePort();
});

afterAll(async () => {
  await stop(child);
  const bin = await findPgBin();
  const owner =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres'])),
          gid: Number(execFileSync('id', ['-g', 'postgres'])),
        }
      : {};
  await run(
    path.join(bin, 'pg_ctl'),
    ['stop', '-m', 'immediate', '-D', path.join(dataDir, 'pg', 'data')],
    owner,
  ).catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
});

describe('crash safety', () => {
  it(
    'SIGKILL at each step of a restore in place leaves the old or the restored database, and the resumed job finishes cleanly',
    { timeout: 900_000 },
    async () => {
      await start();
      let api = await Api.login('technical');
      await marker('at-backup');
      const b = await api.req('POST', `/api/databases/${DB}/operations/backup-now`, {});
      const backupJob = await api.waitJob(b.body.job.id);
      expect(backupJob.state, backupJob.error).toBe('completed');
      await stop(child);

      for (const point of [
        'safety-backup',
        'restore-database',
        'filestore',
        'swap',
        'swap:after',
        'cleanup',
      ]) {
        const p = await start(`restore-backup:${point}`);
        await marker('after-backup');
        api = await Api.login('technical');
        const res = await api.req('POST', `/api/databases/${DB}/operations/restore-backup`, {
          backup: backupJob.result.backup,
        });
        expect(res.status, point).toBe(200);
        await exited(p);
        expect(p.signalCode, point).toBe('SIGKILL');
        // Dead process: the customer's database is whole, old or restored.
        expect(['after-backup', 'at-backup'], point).toContain(await marker());

        await start();
        api = await Api.login('technical');
        const job = await api.waitJob(res.body.job.id);
        expect(job.state, `${point}: ${job.error}`).toBe('completed');
        expect(await marker(), point).toBe('at-backup');
        expect(await leftovers(), point).toEqual([]);
        const users = await withDb(DB, (c) => c.query('SELECT count(*)::int AS n FROM res_users'));
        expect(users.rows[0].n, point).toBeGreaterThan(1);
        await stop(child);
      }
    },
  );

  it(
    'SIGKILL during a dump never offers a half zip; the resumed job completes a whole one',
    { timeout: 300_000 },
    async () => {
      for (const point of ['build-zip', 'notify']) {
        const p = await start(`prepare-dump:${point}`);
        const api = await Api.login('functional');
        const res = await api.req('POST', `/api/databases/${DB}/operations/prepare-dump`, {
          email: 'crash@example.com',
        });
        expect(res.status).toBe(200);
        await exited(p);
        expect(p.signalCode).toBe('SIGKILL');
        await start();
        const again = await Api.login('functional');
        const during = (await again.req('GET', `/api/databases/${DB}`)).body.tools.dump;
        if (during.state !== 'ready') expect(during.url).toBeNull();
        const job = await again.waitJob(res.body.job.id);
        expect(job.state, job.error).toBe('completed');
        const dump = (await again.req('GET', `/api/databases/${DB}`)).body.tools.dump;
        expect(dump.state).toBe('ready');
        const zip = Buffer.from(
          await (
            await fetch(`http://127.0.0.1:${port}${new URL(dump.url).pathname}${new URL(dump.url).search}`)
          ).arrayBuffer(),
        );
        expect(zip.length).toBe(dump.size);
        const files = await readdir(path.join(dataDir, 'dumps'));
        expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
        await stop(child);
      }
    },
  );
});
