import type pg from 'pg';

/** Bounds of the per-server connection budget (`tenantConnections`): a hosting cluster runs with max_connections=200. */
export const DEFAULT_CONNECTIONS_PER_SERVER = 32;
export const MAX_CONNECTIONS_PER_SERVER = 100;
/** One database never holds more than this, so one busy tenant cannot take a server's whole budget. */
const PER_DATABASE = 4;
/** An idle connection is closed after this long: a database nobody looks at holds nothing. */
const IDLE_MS = 30_000;

/** A connection lent out by `ServerConnections`; `release` gives it back (or closes it when it is unusable). */
export interface Lease {
  client: pg.Client;
  /** True when it had served someone before: the server may have ended it while it was idle. */
  reused: boolean;
  /** Queries that succeeded on this lease (a failure before any success left nothing done). */
  succeeded(): number;
  release(unusable?: boolean): void;
}

interface Pooled {
  client: pg.Client;
  database: string;
  /** forget() of its database since it was opened: closed at release instead of kept. */
  generation: number;
  lost: boolean;
  /** Closed by us and no longer counted. */
  ended: boolean;
  busy: boolean;
  served: number;
  succeeded: number;
  idleTimer?: NodeJS.Timeout;
}

interface Waiter {
  database: string;
  resolve(lease: Lease): void;
  reject(e: unknown): void;
}

export interface ServerConnectionsOptions {
  /** Most connections open at once to the server, idle ones included (the global budget). */
  max: number;
  perDatabase?: number;
  idleMs?: number;
  /** Opens a connection to `database` on this server. */
  connect(database: string): Promise<pg.Client>;
}

export interface ServerConnectionsStats {
  open: number;
  idle: number;
  waiting: number;
  /** Open connections per database. */
  databases: Record<string, number>;
}

/**
 * The connections to one hosting server's databases: one small pool per database, all of them
 * within one budget for the server. A database with no idle connection and no room left takes the
 * slot of the least recently used idle connection of another database (LRU eviction); when every
 * connection is busy, callers queue in order. Open connections never exceed `max`, however many
 * databases the server hosts.
 */
export class ServerConnections {
  private readonly max: number;
  private readonly perDatabase: number;
  private readonly idleMs: number;
  private open = 0;
  private readonly opened = new Map<string, number>();
  /** Idle connections, least recently released first (Map keeps insertion order). */
  private readonly idle = new Map<Pooled, true>();
  private readonly waiters: Waiter[] = [];
  private readonly generations = new Map<string, number>();
  private closed = false;

  constructor(private readonly options: ServerConnectionsOptions) {
    this.max = Math.max(1, options.max);
    this.perDatabase = Math.min(this.max, options.perDatabase ?? PER_DATABASE);
    this.idleMs = options.idleMs ?? IDLE_MS;
  }

  acquire(database: string): Promise<Lease> {
    if (this.closed) return Promise.reject(new Error('the tenant connections are closed'));
    const ready = this.serve(database);
    if (ready) return ready;
    return new Promise((resolve, reject) => this.waiters.push({ database, resolve, reject }));
  }

  /**
   * Closes the idle connections to `database` and those in use when they come back: the
   * database was dropped or renamed, or is about to be (those need it without sessions).
   */
  forget(database: string): void {
    this.generations.set(database, this.generation(database) + 1);
    for (const p of [...this.idle.keys()]) if (p.database === database) this.destroy(p);
    this.dispatch();
  }

  stats(): ServerConnectionsStats {
    return {
      open: this.open,
      idle: this.idle.size,
      waiting: this.waiters.length,
      databases: Object.fromEntries(this.opened),
    };
  }

  /** Closes the idle connections, refuses the waiting callers; busy ones close when released. */
  close(): void {
    this.closed = true;
    for (const p of [...this.idle.keys()]) this.destroy(p);
    for (const w of this.waiters.splice(0)) w.reject(new Error('the tenant connections are closed'));
  }

  private generation(database: string): number {
    return this.generations.get(database) ?? 0;
  }

  /** A lease for `database` now (an idle one, a new one, or one in place of an evicted idle one), or undefined. */
  private serve(database: string): Promise<Lease> | undefined {
    for (const p of [...this.idle.keys()].reverse()) {
      if (p.database === database) return Promise.resolve(this.lend(p));
    }
    const mine = this.opened.get(database) ?? 0;
    if (mine >= this.perDatabase) return undefined;
    if (this.open >= this.max) {
      const victim = this.idle.keys().next();
      if (victim.done) return undefined;
      this.destroy(victim.value);
    }
    return this.openFor(database);
  }

  private async openFor(database: string): Promise<Lease> {
    this.count(database, +1);
    let client: pg.Client;
    try {
      client = await this.options.connect(database);
    } catch (e) {
      this.count(database, -1);
      this.dispatch();
      throw e;
    }
    const p: Pooled = {
      client,
      database,
      generation: this.generation(database),
      lost: false,
      ended: false,
      busy: false,
      served: 0,
      succeeded: 0,
    };
    // The server ending a connection (restart, pg_terminate_backend, DROP … WITH (FORCE)) must
    // not crash the process; an idle one is closed at once, a busy one when it is released.
    const lost = () => {
      p.lost = true;
      if (this.idle.has(p)) {
        this.destroy(p);
        this.dispatch();
      }
    };
    client.on('error', lost);
    client.on('end', lost);
    // Count the queries that succeed, so a caller knows a failed lease left nothing done.
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      const result = query(...args);
      if (result instanceof Promise) result.then(() => p.succeeded++, () => undefined);
      return result;
    };
    return this.lend(p);
  }

  private lend(p: Pooled): Lease {
    this.idle.delete(p);
    clearTimeout(p.idleTimer);
    p.busy = true;
    const reused = p.served++ > 0;
    const startCount = p.succeeded;
    let released = false;
    return {
      client: p.client,
      reused,
      succeeded: () => p.succeeded - startCount,
      release: (unusable = false) => {
        if (released) return;
        released = true;
        this.giveBack(p, unusable);
      },
    };
  }

  private giveBack(p: Pooled, unusable: boolean): void {
    p.busy = false;
    const tx = p.client.getTransactionStatus();
    // A connection left inside a transaction (or broken) is never lent again.
    if (unusable || p.lost || this.closed || p.generation !== this.generation(p.database) || (tx !== null && tx !== 'I')) {
      this.destroy(p);
      this.dispatch();
      return;
    }
    const same = this.waiters.findIndex((w) => w.database === p.database);
    if (same >= 0) {
      const [w] = this.waiters.splice(same, 1);
      w.resolve(this.lend(p));
      return;
    }
    this.idle.set(p, true);
    p.idleTimer = setTimeout(() => {
      this.destroy(p);
      this.dispatch();
    }, this.idleMs);
    p.idleTimer.unref();
    this.dispatch();
  }

  /** Serves the waiting callers that can be served now, in order. */
  private dispatch(): void {
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i];
      const lease = this.serve(w.database);
      if (!lease) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      lease.then(w.resolve, w.reject);
    }
  }

  private destroy(p: Pooled): void {
    this.idle.delete(p);
    clearTimeout(p.idleTimer);
    if (p.ended) return;
    p.ended = true;
    p.lost = true;
    this.count(p.database, -1);
    p.client.end().catch(() => undefined);
  }

  private count(database: string, delta: number): void {
    this.open += delta;
    const n = (this.opened.get(database) ?? 0) + delta;
    if (n > 0) this.opened.set(database, n);
    else this.opened.delete(database);
  }
}
