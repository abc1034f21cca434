import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { freePort, startCluster } from '../../src/hosting/cluster.js';
import {
  EMBEDDED_SERVER,
  embeddedClusterDir,
  embeddedMetabaseClusterDir,
  startPlatform,
} from '../../src/platform.js';
import { isTestCopyOf } from '../../src/provisioning/identity.js';
import { DEFAULT_TENANT_TEMPLATE } from '../../src/tenant/template.js';
import { builtSource } from './built-source.js';
import { testEnv } from './env.js';
import { AgentSession } from './http.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Spawns `node <built src>/<script> <args>` in the repository (the process the crash hook kills is
 * the one we watch: no wrapper between) and resolves once its output shows `ready`.
 */
async function spawnReady(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: string,
): Promise<{ child: ChildProcess; exited: Promise<NodeJS.Signals | null> }> {
  const entry = path.join(await builtSource(), script);
  const child = spawn(process.execPath, ['--enable-source-maps', entry, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes(ready)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    if (process.env.CRASH_LOG) {
      child.stdout!.on('data', (d: Buffer) => appendFileSync(process.env.CRASH_LOG!, d));
      child.stderr!.on('data', (d: Buffer) => appendFileSync(process.env.CRASH_LOG!, d));
    }
    void exited.then(() =>
      reject(new Error(`${[script, ...args].join(' ')} exited before it was ready:\n${output.slice(-2000)}`)),
    );
  });
  return { child, exited };
}

/** The signal that ended a process, or a failure when it is still alive after `ms`. */
function exitWithin(
  exited: Promise<NodeJS.Signals | null>,
  ms: number,
  failure: string,
): Promise<NodeJS.Signals | null> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    exited,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(failure)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** A `dbtools worker` process started by CrashPlatform.spawnWorker. */
export class WorkerProcess {
  constructor(
    private readonly child: ChildProcess,
    /** Resolves with the signal that ended it. */
    readonly exited: Promise<NodeJS.Signals | null>,
  ) {}

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the signal that ended the process once it is gone; fails if it does not die within `ms`. */
  waitForExit(ms = 60_000): Promise<NodeJS.Signals | null> {
    return exitWithin(this.exited, ms, 'the worker did not exit');
  }

  /** SIGTERM: a clean stop (the worker leaves the clusters running); SIGKILL: a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }
}

/**
 * A real dbtools server process (`node main.js`, built from src/) on its own data dir and its
 * own PostgreSQL cluster, which tests kill (the crash hook sends SIGKILL) and start again, or
 * whose cluster they stop and start under it. The data dir, its cluster and its seeded demo
 * live for the whole file; `app` reads and checks them from the test process.
 */
export class CrashPlatform {
  private child?: ChildProcess;
  private exited?: Promise<NodeJS.Signals | null>;
  app!: App;
  private closeApp!: () => Promise<void>;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<CrashPlatform> {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'dbtools-crash-'));
    await chmod(dataDir, 0o755);
    const p = new CrashPlatform(dataDir, await freePort());
    await p.start();
    const platform = await startPlatform(loadConfig(testEnv(dataDir)), {
      durable: false,
      log: pino({ level: 'warn' }),
    });
    p.app = platform.app;
    p.closeApp = () => platform.app.metabase.destroy();
    await p.stop();
    return p;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The server process's id while it runs. */
  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Starts the server (optionally armed to crash at `kind:step[:after]`, with `env` added) and
   * waits until it listens.
   */
  async start(crashAt?: string, env: Record<string, string> = {}): Promise<void> {
    await this.stop(); // one server per data dir: a test that failed midway may have left one
    const { child, exited } = await spawnReady(
      'main.js',
      [],
      this.childEnv(crashAt, { PORT: String(this.port), ...env }),
      'dbtools console:',
    );
    this.child = child;
    this.exited = exited;
  }

  /**
   * Starts a `dbtools worker` process on this data dir (optionally armed to crash at
   * `kind:step[:after]`) and waits until it runs; the caller stops it. Several may run at once,
   * beside the server or without it.
   */
  async spawnWorker(crashAt?: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
    const { child, exited } = await spawnReady(
      'cli/main.js',
      ['worker', '--concurrency', '1'],
      this.childEnv(crashAt, env),
      'dbtools worker',
    );
    return new WorkerProcess(child, exited);
  }

  private childEnv(crashAt: string | undefined, env: Record<string, string>): NodeJS.ProcessEnv {
    const childEnv = {
      ...process.env,
      ...testEnv(this.dataDir, {
        DBTOOLS_JOB_STALE_SECONDS: '3',
        LOG_LEVEL: process.env.CRASH_LOG ? 'debug' : 'error',
      }),
      ...env,
      ...(crashAt ? { DBTOOLS_CRASH_AT: crashAt } : {}),
    };
    if (!crashAt) delete childEnv.DBTOOLS_CRASH_AT;
    return childEnv;
  }

  /** Resolves with the signal that ended the process once it is gone; fails if it does not die within `ms`. */
  waitForExit(ms = 60_000): Promise<NodeJS.Signals | null> {
    return exitWithin(this.exited!, ms, 'the server did not crash');
  }

  /**
   * Ends the server process. SIGKILL by default: a clean stop would also stop the cluster, which
   * the tests keep using between two server runs (a killed server leaves it running).
   */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) {
      this.child!.kill(signal);
      await this.exited;
    }
  }

  /**
   * Stops PostgreSQL under the running server, as `pg_ctl stop -m fast` does: a hosting server's
   * cluster, or by default the metabase's and the first hosting server's (PostgreSQL as a whole).
   */
  async stopCluster(server?: string): Promise<void> {
    for (const dir of this.clusterDirs(server)) await (await startCluster({ dir })).stop();
  }

  /** Starts those clusters again (if they are not running already). */
  async startCluster(server?: string): Promise<void> {
    for (const dir of this.clusterDirs(server)) await startCluster({ dir });
  }

  private clusterDirs(server?: string): string[] {
    if (server) return [embeddedClusterDir(this.dataDir, server)];
    return [embeddedMetabaseClusterDir(this.dataDir), embeddedClusterDir(this.dataDir, EMBEDDED_SERVER)];
  }

  /** GET on the server, without a session. */
  async get(p: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(this.baseUrl + p);
    return { status: res.status, body: await res.json() };
  }

  async close(): Promise<void> {
    await this.stop();
    await this.closeApp();
    // The cluster outlives a killed server: stop it through a last clean start/stop.
    await this.start();
    await this.stop('SIGTERM');
    // The demo CA and DNS outlive a killed server on purpose (the next start reuses them); a pair
    // started by a run the test killed may still be up: their config lives in this data dir.
    await new Promise((resolve) => execFile('pkill', ['-f', path.join(this.dataDir, 'demo-acme')], resolve));
    // The cluster may still be writing its shutdown files (pg_stat) a moment after the server
    // exited: retry instead of failing the suite on ENOTEMPTY.
    await rm(this.dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }

  login(login = 'functional'): Promise<AgentSession> {
    return AgentSession.login(login, undefined, this.baseUrl);
  }

  /**
   * The lifecycle invariants: no PostgreSQL database without its metabase row, no active row
   * without its database, no filestore folder without its database, no active duplicate that
   * is not fully neutralized. Returns the violations (empty when all hold).
   */
  async violations(): Promise<string[]> {
    const rows = await this.app.metabase.selectFrom('database').selectAll().execute();
    const byName = new Map(rows.map((r) => [r.name, r]));
    const servers = await this.app.metabase.selectFrom('hosting_server').selectAll().orderBy('id').execute();
    const out: string[] = [];
    // Each hosting server's databases and folders against the rows that place a database there.
    for (const server of servers) {
      const databases = await this.app.tenants.withCluster(server.id, async (admin) => {
        const r = await admin.query<{ datname: string }>(
          `SELECT datname FROM pg_database WHERE NOT datistemplate AND datname NOT IN ('postgres', 'dbtools', $1)`,
          [DEFAULT_TENANT_TEMPLATE],
        );
        return new Set(r.rows.map((x) => x.datname));
      });
      const here = rows.filter((r) => r.server_id === server.id);
      for (const name of databases) {
        const row = byName.get(name);
        if (!row || row.state === 'removed' || row.server_id !== server.id)
          out.push(`database ${name} on ${server.name} has no metabase row`);
      }
      for (const row of here) {
        if (row.state === 'active' && !databases.has(row.name))
          out.push(`active row ${row.name} has no database on ${server.name}`);
      }
      for (const folder of await readdir(server.filestore_root)) {
        const name = folder.replace(/\.partial$/, '');
        if (!databases.has(name)) out.push(`filestore ${folder} on ${server.name} has no database`);
      }
      for (const row of here) {
        if (row.state !== 'active' || !row.duplicate_of || !databases.has(row.name)) continue;
        if (!(await this.app.tenants.withTenant(row, (c) => isTestCopyOf(c, row.uuid)))) {
          out.push(`active duplicate ${row.name} is not neutralized`);
        }
      }
    }
    return out;
  }
}
