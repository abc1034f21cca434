import { Kysely, Migrator, PostgresDialect, sql, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Metabase } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import '../pg-types.js';
import { isDatabaseUnreachable } from '../errors.js';

export type MetabaseDb = Kysely<Metabase>;

/** The pool behind each metabase handle, for withOneMetabaseConnection. */
const pools = new WeakMap<MetabaseDb, pg.Pool>();

export function connectMetabase(config: pg.PoolConfig): MetabaseDb {
  // A stopped server must fail a request fast (503), not hold it until a TCP timeout. Pipeline
  // mode: queries queued on one connection leave without waiting for each other's answers (the
  // same order and results as queueing; nothing here uses cursors, which it refuses).
  const pool = new pg.Pool({ max: 10, connectionTimeoutMillis: 5_000, ...config, pipeline: true });
  // pool.end() resolves before its idle connections are closed: a cluster stopped right after
  // (platform.close) terminates them, and an 'error' without a listener would kill the process.
  // A dropped idle connection is simply replaced on the next query.
  pool.on('error', () => undefined);
  // pg-pool listens only to idle clients: a client checked out (a transaction waiting on tenant
  // work) whose server goes away emits 'error' with nobody listening, which ends the process.
  // The pending or next query on it fails instead, and the API maps that to 503.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Metabase>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/**
 * Runs `fn` with a metabase handle whose queries all go to one connection, pipelined: the
 * queries a page's sections issue together leave together, instead of each taking a connection
 * of the pool in turn (50 pages at once queued for the pool's 10). Reads only: a transaction on
 * it would take in the other queries. A handle not from connectMetabase is used as it is.
 */
export async function withOneMetabaseConnection<T>(db: MetabaseDb, fn: (db: MetabaseDb) => Promise<T>): Promise<T> {
  const pool = pools.get(db);
  if (!pool) return fn(db);
  const client = await pool.connect();
  const shared = {
    query: client.query.bind(client) as PostgresPoolClient['query'],
    // The page's handle gives nothing back: the connection goes back once, below.
    release: () => undefined,
  };
  const single = new Kysely<Metabase>({
    dialect: new PostgresDialect({ pool: { connect: () => Promise.resolve(shared), end: () => Promise.resolve() } }),
  });
  let lost = false;
  try {
    return await fn(single);
  } catch (e) {
    lost = isDatabaseUnreachable(e);
    throw e;
  } finally {
    client.release(lost);
  }
}

/** True when the metabase answers a query now (health checks, waiting out an outage). */
export async function metabaseAnswers(db: MetabaseDb): Promise<boolean> {
  return sql`SELECT 1`.execute(db).then(
    () => true,
    () => false,
  );
}

export async function migrateMetabase(db: MetabaseDb): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Metabase migration ${failed?.migrationName ?? ''} failed: ${String((error as Error)?.message ?? error)}`);
  }
}

export interface PatientPoolOptions {
  /** Called once per connection attempt that starts waiting out an outage. */
  onOutage(err: Error): void;
  /** While closing, an unreachable server is an error again (nothing waits for it any more). */
  closing(): boolean;
}

/**
 * A pool whose `connect` waits out an outage (server stopped, restarting, refusing with 57P03)
 * instead of failing. It serves the job queue: graphile-worker records a job's failure or
 * completion without retrying a refused connection, and the rejection it leaves unhandled ends
 * the process. Waiting there keeps the queue's state consistent and the process alive.
 */
export class PatientPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly patience: PatientPoolOptions,
  ) {
    super(config);
  }

  private async patientConnect(): Promise<pg.PoolClient> {
    for (let wait = 250, told = false; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        return await super.connect();
      } catch (e) {
        if (this.patience.closing() || this.ending || !isDatabaseUnreachable(e)) throw e;
        if (!told) this.patience.onOutage(e as Error);
        told = true;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | void {
    if (!callback) return this.patientConnect();
    this.patientConnect().then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (err: Error) => callback(err, undefined, () => undefined),
    );
  }
}
