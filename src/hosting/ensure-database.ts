import pg from 'pg';
import { ensureServiceDatabase } from './cluster-databases.js';

/** Creates the database on the cluster unless it is there: a service's first start and every later one. */
export async function ensureDatabase(config: pg.ClientConfig, name: string): Promise<void> {
  const client = new pg.Client({ ...config, database: 'postgres' });
  await client.connect();
  try {
    await ensureServiceDatabase(client, name);
  } finally {
    await client.end();
  }
}
