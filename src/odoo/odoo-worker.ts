import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { withParentDeathSignal } from '../hosting/parent-death.js';
import type { OdooSeries } from '../tenant/odoo-version.js';

/** Debian's interpreter, which has the python3 packages Odoo needs (../shared/odoo/install-deps.sh). */
export const ODOO_PYTHON = '/usr/bin/python3';

export interface OdooWorkerSpec {
  series: OdooSeries;
  /** The Odoo tree: the folder holding `odoo-bin`. */
  tree: string;
  addonsPaths: string[];
  /** Where it listens: the server's loopback front-end address and a port of its own. */
  address: string;
  port: number;
  db: { host: string; port: number; user: string; password: string };
  /** Odoo's data dir: its `filestore/` is the server's filestore root, `sessions/` its own. */
  dataDir: string;
  /** The server's technical log file Odoo's lines are appended to (its live `odoo.log`). */
  logFile: string;
  /** The OS user Odoo runs as (never root); undefined: as we run. */
  user?: { uid: number; gid: number };
  /** Odoo's configuration file (written by startOdooWorkers): the platform's URL for the support login. */
  configFile: string;
}

/** Our own Odoo modules (the support login), loaded server-wide by every worker. */
export const DBTOOLS_ADDONS = path.resolve(import.meta.dirname, '../../odoo-addons');
/** Server-wide modules: Odoo's defaults plus the support login, whose routes then answer on every database. */
export const SERVER_WIDE_MODULES = ['base', 'web', 'dbtools_support'];

/**
 * `odoo-bin` serving every database its role may connect to (see worker-role.ts), one request's
 * database chosen by host: the front end sends `Host: <database>`, and `--db-filter=^%h$` keeps the
 * one database of that exact name (odoo/http.py db_filter: `%h` is the host without its port and a
 * leading `www.`). `--proxy-mode` makes Odoo take the client's address and scheme from nginx's
 * X-Forwarded-* headers. No database list or manager (`--no-database-list`), no cron threads
 * (Odoo's cron lists databases through the maintenance database as the superuser would; a
 * platform schedule decides what runs where), threaded (`--workers=0`): one process per series.
 */
export function odooWorkerArgs(spec: OdooWorkerSpec): string[] {
  return [
    path.join(spec.tree, 'odoo-bin'),
    'server',
    `--config=${spec.configFile}`,
    `--addons-path=${[...spec.addonsPaths, DBTOOLS_ADDONS].join(',')}`,
    `--load=${SERVER_WIDE_MODULES.join(',')}`,
    `--db_host=${spec.db.host}`,
    `--db_port=${spec.db.port}`,
    `--db_user=${spec.db.user}`,
    `--data-dir=${spec.dataDir}`,
    `--http-interface=${spec.address}`,
    `--http-port=${spec.port}`,
    '--proxy-mode',
    '--db-filter=^%h$',
    '--no-database-list',
    '--max-cron-threads=0',
    '--workers=0',
  ];
}

/**
 * One supervised Odoo server process. It is started again whenever it exits (a crash, a
 * SIGKILL, the OOM killer) after a backoff that doubles from 0.5 s to 30 s and is forgotten once
 * a run lasted a minute; stop() ends it (SIGTERM, SIGKILL after 10 s) for good. It dies with the
 * platform (parent-death signal). Its environment is only what Odoo needs: the role's password
 * goes through PGPASSWORD (libpq reads it), never on a command line others can read.
 */
export class OdooWorker {
  private child: ChildProcess | undefined;
  private stopping = false;
  private backoffMs = 500;
  private restartTimer: NodeJS.Timeout | undefined;
  private partialLine = '';
  private logWrite: Promise<void> = Promise.resolve();
  /** How many times it was started (1 after start()). */
  starts = 0;

  constructor(
    readonly spec: OdooWorkerSpec,
    private readonly log: Logger,
  ) {}

  get upstream(): string {
    return `${this.spec.address}:${this.spec.port}`;
  }

  /** The pid of the running Odoo process, if one runs. */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  async start(): Promise<void> {
    const { command, args } = await withParentDeathSignal('TERM', ODOO_PYTHON, odooWorkerArgs(this.spec));
    if (this.stopping) return;
    // Its own spawn, not hosting/child-process.ts's runChild: a server we supervise (restarted
    // with backoff, its output appended to the log file), not a command run to its end.
    const child = spawn(command, args, {
      cwd: this.spec.tree,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: this.spec.dataDir, PGPASSWORD: this.spec.db.password },
      ...this.spec.user,
    });
    this.child = child;
    this.starts++;
    const startedAt = Date.now();
    // Odoo logs to stderr in its own format; we append whole lines to the server's log file
    // (opened per write, so the daily rotation's rename is followed at once).
    child.stderr!.on('data', (d: Buffer) => this.appendLog(d.toString()));
    child.stdout!.on('data', (d: Buffer) => this.appendLog(d.toString()));
    child.on('error', (err) => this.log.error({ series: this.spec.series, err: err.message }, 'Odoo worker could not start'));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      if (Date.now() - startedAt > 60_000) this.backoffMs = 500;
      const delay = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
      this.log.warn(
        { series: this.spec.series, upstream: this.upstream, code, signal, restartInMs: delay },
        'Odoo worker exited; starting it again',
      );
      this.restartTimer = setTimeout(() => {
        this.start().catch((err: Error) => this.log.error({ err: err.message }, 'Odoo worker did not restart'));
      }, delay);
    });
  }

  private appendLog(text: string): void {
    const all = this.partialLine + text;
    const end = all.lastIndexOf('\n');
    if (end < 0) {
      this.partialLine = all;
      return;
    }
    this.partialLine = all.slice(end + 1);
    const lines = all.slice(0, end + 1);
    this.logWrite = this.logWrite.then(() =>
      appendFile(this.spec.logFile, lines).catch((err: Error) =>
        this.log.warn({ err: err.message, file: this.spec.logFile }, 'could not write the Odoo log'),
      ),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await this.logWrite;
  }
}
