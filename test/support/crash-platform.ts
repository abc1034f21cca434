import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { freePort, startCluster } from '../../src/hosting/cluster.js';
import { startPlatform } from '../../src/platform.js';
import { isTestCopyOf } from '../../src/provisioning/identity.js';
import { DEFAULT_TENANT_TEMPLATE } from '../../src/tenant/template.js';
import { testEnv } from './env.js';
import { AgentSession } from './http.js';
import { embeddedServer } from './tenants.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * A real dbtools server process (`node --import tsx src/main.ts`) on its own data dir and its
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
    const platform = await startPlatform(loadConfig(testEnv(dataDir)), { durable: false, log: pino({ level: 'warn' }) });
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
    const childEnv = {
      ...process.env,
      ...testEnv(this.dataDir, { PORT: String(this.port), DBTOOLS_JOB_STALE_SECONDS: '3', LOG_LEVEL: process.env.CRASH_LOG ? 'debug' : 'error' }),
      ...env,
      ...(crashAt ? { DBTOOLS_CRASH_AT: crashAt } : {}),
    };
    if (!crashAt) delete childEnv.DBTOOLS_CRASH_AT;
    // node --import tsx: the process the crash hook kills is the one we watch (no tsx wrapper between).
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        if (output.includes('dbtools console:')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      if (process.env.CRASH_LOG) {
        child.stdout!.on('data', (d: Buffer) => appendFileSync(process.env.CRASH_LOG!, d));
        child.stderr!.on('data', (d: Buffer) => appendFileSync(process.env.CRASH_LOG!, d));
      }
      void this.exited!.then(() => reject(new Error(`server exited before listening:\n${output.slice(-2000)}`)));
    });
  }

  /** Resolves with the signal that ended the process once it is gone; fails if it does not die within `ms`. */
  async waitForExit(ms = 60_000): Promise<NodeJS.Signals | null> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.exited!,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the server did not crash')), ms))),
    ]).finally(() => clearTimeout(timer));
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

  /** Stops the platform's PostgreSQL cluster under the running server, as `pg_ctl stop -m fast` does. */
  async stopCluster(): Promise<void> {
    await (await this.cluster()).stop();
  }

  /** Starts the platform's PostgreSQL cluster again (if it is not running already). */
  async startCluster(): Promise<void> {
    await this.cluster();
  }

  /** Attaches to the data dir's cluster, starting it when it is stopped. */
  private cluster() {
    return startCluster({ dir: path.join(this.dataDir, 'pg') });
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
    const server = await embeddedServer(this.app);
    const rows = await this.app.metabase.selectFrom('database').selectAll().execute();
    const byName = new Map(rows.map((r) => [r.name, r]));
    const databases = await this.app.tenants.withCluster(server.id, async (admin) => {
      const r = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE NOT datistemplate AND datname NOT IN ('postgres', 'dbtools', $1)`,
        [DEFAULT_TENANT_TEMPLATE],
      );
      return new Set(r.rows.map((x) => x.datname));
    });
    const out: string[] = [];
    for (const name of databases) {
      const row = byName.get(name);
      if (!row || row.state === 'removed') out.push(`database ${name} has no metabase row`);
    }
    for (const row of rows) {
      if (row.state === 'active' && !databases.has(row.name)) out.push(`active row ${row.name} has no database`);
    }
    for (const folder of await readdir(server.filestore_root)) {
      const name = folder.replace(/\.partial$/, '');
      if (!databases.has(name)) out.push(`filestore ${folder} has no database`);
    }
    for (const row of rows) {
      if (row.state !== 'active' || !row.duplicate_of || !databases.has(row.name)) continue;
      if (!(await this.app.tenants.withTenant(row, (c) => isTestCopyOf(c, row.uuid)))) {
        out.push(`active duplicate ${row.name} is not neutralized`);
      }
    }
    return out;
  }
}
