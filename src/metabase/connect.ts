import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Metabase } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import '../pg-types.js';

export type MetabaseDb = Kysely<Metabase>;

export function connectMetabase(config: pg.PoolConfig): MetabaseDb {
  const pool = new pg.Pool({ max: 10, ...config });
  // pool.end() resolves before its idle connections are closed: a cluster stopped right after
  // (platform.close) terminates them, and an 'error' without a listener would kill the process.
  // A dropped idle connection is simply replaced on the next query.
  pool.on('error', () => undefined);
  return new Kysely<Metabase>({ dialect: new PostgresDialect({ pool }) });
}

export async function migrateMetabase(db: MetabaseDb): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Metabase migration ${failed?.migrationName ?? ''} failed: ${String((error as Error)?.message ?? error)}`);
  }
}
