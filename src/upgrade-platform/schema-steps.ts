import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import type { SchemaFamily } from './versions.js';

/**
 * What moves a database's tables from one schema family to the next. The target's own fragments
 * of src/tenant/schema (the tables and data the project builds that series' template from) are
 * applied where they can run on a database that has data; the platform's files around them
 * (schema-steps/) move what the fragments cannot: data from a dropped column, a column becoming
 * required, a merged module. An upgraded database ends with the target template's tables
 * (test/integration/upgrade-platform.test.ts compares them).
 */
type Part = { fragment: string } | { own: string };

const STEPS: Record<string, Part[]> = {
  '16.0>17.0': [
    { own: '16.0-to-17.0-before.sql' },
    { fragment: '17.0-and-later.sql' },
    { fragment: '17.0-and-later-data.sql' },
    { own: '16.0-to-17.0-after.sql' },
  ],
  '17.0>18.0': [
    { own: '17.0-to-18.0-before.sql' },
    { fragment: '18.0-data.sql' },
    { own: '17.0-to-18.0-after.sql' },
  ],
};

function partUrl(part: Part): URL {
  return 'fragment' in part
    ? new URL(`../tenant/schema/${part.fragment}`, import.meta.url)
    : new URL(`./schema-steps/${part.own}`, import.meta.url);
}

/** Runs one step's SQL on `client` (inside the caller's transaction); answers the files it ran. */
export async function applySchemaStep(client: pg.ClientBase, from: SchemaFamily, to: SchemaFamily): Promise<string[]> {
  const parts = STEPS[`${from}>${to}`];
  if (!parts) throw new Error(`no schema step from ${from} to ${to}`);
  const ran: string[] = [];
  for (const part of [...parts, { own: 'finish.sql' }]) {
    await client.query(await readFile(partUrl(part), 'utf8'));
    ran.push('fragment' in part ? `src/tenant/schema/${part.fragment}` : part.own);
  }
  return ran;
}
