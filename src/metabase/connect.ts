import { Kysely, Migrator, PostgresDialect, sql, type KyselyPlugin, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Metabase } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import { preparedName } from './prepared.js';
import '../pg-types.js';
import { isDatabaseUnreachable } from '../errors.js';

export type MetabaseDb = Kysely<Metabase>;

/** The read handle of each metabase handle (see metabaseReads). */
const readHandles = new WeakMap<MetabaseDb, MetabaseDb>();

/** How many connections carry the multiplexed reads (see metabaseReads). */
const READ_CONNECTIONS = 4;

/**
 * A few pipelined connections lent to everyone at once, in turn: concurrent reads share them
 * instead of waiting for a connection of their own. A connection the server drops is replaced on
 * the next use.
 */
class SharedReadConnections {
  private readonly slots: (Promise<{ client: pg.Client; shared: PostgresPoolClient }> | undefined)[] =
    new Array<undefined>(READ_CONNECTIONS).fill(undefined);
  private next = 0;
  private ended = false;

  constructor(private readonly config: pg.ClientConfig) {}

  async connect(): Promise<PostgresPoolClient> {
    if (this.ended) throw new Error('the metabase connections are closed');
    const i = this.next++ % READ_CONNECTIONS;
    return (await (this.slots[i] ??= this.open(i))).shared;
  }

  async end(): Promise<void> {
    this.ended = true;
    const open = this.slots.splice(0);
    await Promise.all(open.map((c) => c?.then(({ client }) => client.end()).catch(() => undefined)));
  }

  private open(i: number): Promise<{ client: pg.Client; shared: PostgresPoolClient }> {
    const client = new pg.Client({ ...this.config, pipeline: true });
    const forget = () => {
      if (this.slots[i] === opening) this.slots[i] = undefined;
    };
    // A dropped connection must not end the process: the next read opens another one.
    client.on('error', forget);
    client.on('end', forget);
    const opening = client.connect().then(
      () => ({
        client,
        // One handle per connection (Kysely keeps its state per handle); shared, so nothing to give back.
        // A statement marked `prepared` goes by its name: planned once per connection.
        shared: { query: preparedQuery(client), release: () => undefined },
      }),
      (e: unknown) => {
        forget();
        throw e;
      },
    );
    return opening;
  }
}

/** The client's query, naming the statements a repository marked `prepared` (see prepared.ts). */
function preparedQuery(client: pg.Client): PostgresPoolClient['query'] {
  const query = client.query.bind(client) as (text: unknown, values?: unknown[]) => unknown;
  return ((text: unknown, values?: unknown[]) => {
    const name = typeof text === 'string' ? preparedName(text) : undefined;
    // A cursor (an object) or an unmarked text goes through untouched.
    if (!name) return query(text, values);
    return client.query({ name, text: text as string, values });
  }) as PostgresPoolClient['query'];
}

/** `plugins` travel with the handle into its transactions (the audit key rides that way). */
export function connectMetabase(config: pg.PoolConfig, options: { plugins?: KyselyPlugin[] } = {}): MetabaseDb {
  // A stopped server must fail a request fast (503), not hold it until a TCP timeout. An
  // operation holds its connection (its transaction) while it works on the tenant: at 300
  // requests/s with 2 in 5 operations (bench soak), 10 connections were not enough.
  const pool = new pg.Pool({ max: 20, connectionTimeoutMillis: 5_000, ...config });
  // pool.end() resolves before its idle connections are closed: a cluster stopped right after
  // (platform.close) terminates them, and an 'error' without a listener would kill the process.
  // A dropped idle connection is simply replaced on the next query.
  pool.on('error', () => undefined);
  // pg-pool listens only to idle clients: a client checked out (a transaction waiting on tenant
  // work) whose server goes away emits 'error' with nobody listening, which ends the process.
  // The pending or next query on it fails instead, and the API maps that to 503.
  pool.on('connect', (client) => client.on('error', () => undefined));
  // The shared reads are short page and search queries, many at once: a parallel plan's workers
  // (started when a search's estimate is large) cost a search ~9 ms and take cores the other
  // agents' reads wait for.
  const reads = new SharedReadConnections({
    connectionTimeoutMillis: 5_000,
    options: '-c max_parallel_workers_per_gather=0',
    ...config,
  });
  // Destroying the handle closes the shared read connections as well.
  const closing = { connect: () => pool.connect(), end: () => reads.end().then(() => pool.end()) };
  const db = new Kysely<Metabase>({ dialect: new PostgresDialect({ pool: closing }), plugins: options.plugins });
  readHandles.set(db, new Kysely<Metabase>({ dialect: new PostgresDialect({ pool: reads }) }));
  return db;
}

/**
 * A handle for reads that go to a few connections shared by every caller at once, pipelined:
 * the queries a Tools page's sections issue together, and those of the pages loading at the same
 * time, leave together instead of each waiting for a connection of the pool (fifty pages at once
 * would queue for its ten). Reads only: a transaction on it would take in the others' queries.
 * A handle not from connectMetabase (a transaction) is its own read handle.
 */
export function metabaseReads(db: MetabaseDb): MetabaseDb {
  return readHandles.get(db) ?? db;
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
