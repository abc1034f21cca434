/**
 * The large tenant database the duplicate and dump cases work on, generated once per bench run
 * and shared by both: a seeded Odoo tenant (a clone of acme-bakery's demo data) plus
 * DBTOOLS_BENCH_GB of generated rows and as much again of incompressible filestore files.
 * DBTOOLS_BENCH_GB defaults to 1; `DBTOOLS_BENCH_GB=0.1 npm run bench` is a quick run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { demoDatabases } from '../src/demo/catalog.js';
import { seedTenantDatabase } from '../src/demo/seed-tenant.js';
import { databaseSize } from '../src/hosting/database-copy.js';
import { findDatabase, insertDatabases } from '../src/metabase/repositories/databases.js';
import type { DatabaseRow } from '../src/metabase/schema.js';
import { attachmentChecksum, storeFnameFor } from '../src/tenant/filestore.js';
import { ensureTenantTemplate } from '../src/tenant/template.js';
import type { BenchContext } from './context.js';
import { timed } from './measure.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;
const NAME = 'bench-source';

export const BENCH_GB = Number(process.env.DBTOOLS_BENCH_GB ?? 1);
if (!(BENCH_GB > 0))
  throw new Error(`DBTOOLS_BENCH_GB must be a positive number of GB, not "${process.env.DBTOOLS_BENCH_GB}"`);

export interface GeneratedTenant {
  database: DatabaseRow;
  /** pg_database_size after generation. */
  databaseBytes: number;
  filestore: string;
  files: number;
  fileBytes: number;
  /** "1 GB database + 1 GB filestore": for case descriptions and notes. */
  label: string;
}

export function sizeLabel(gb = BENCH_GB): string {
  return `${gb} GB database + ${gb} GB filestore`;
}

/**
 * Rows of ~1 KB of hex text (md5s), the shape of mail bodies and logs: they deflate to about
 * half, as real ones do, and stay below the TOAST threshold. Inserted in batches.
 */
async function generateRows(ctx: BenchContext, database: DatabaseRow, bytes: number): Promise<void> {
  const rows = Math.max(1, Math.round(bytes / 1100));
  const batch = 200_000;
  await ctx.app.tenants.withTenant(database, async (c) => {
    await c.query(
      `CREATE TABLE bench_message (id bigint PRIMARY KEY, create_date timestamp NOT NULL, body text NOT NULL)`,
    );
    for (let start = 1; start <= rows; start += batch) {
      await c.query(
        `INSERT INTO bench_message
           SELECT g, now() - g * interval '1 minute',
                  (SELECT string_agg(md5((g * 31 + k)::text), ' ') FROM generate_series(1, 30) k)
             FROM generate_series($1::bigint, $2::bigint) AS g`,
        [start, Math.min(rows, start + batch - 1)],
      );
      process.stderr.write(`  bench_message: ${Math.min(rows, start + batch - 1)} of ${rows} rows\n`);
    }
    await c.query('VACUUM ANALYZE bench_message');
  });
}

/** Random bytes (attachments are mostly already compressed: images, PDFs), 100 KB to 1 MB each. */
async function generateFiles(root: string, size: number): Promise<{ files: number; bytes: number }> {
  const bytes = Math.round(size);
  let total = 0;
  let files = 0;
  while (total < bytes) {
    const content = randomBytes(Math.min(bytes - total, 100 * 1024 + Math.floor(Math.random() * 924 * 1024)));
    const file = path.join(root, storeFnameFor(attachmentChecksum(content)));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    total += content.length;
    files++;
  }
  return { files, bytes: total };
}

async function generate(ctx: BenchContext): Promise<GeneratedTenant> {
  const { app, server } = ctx;
  const base = demoDatabases(app.now()).find((d) => d.metabase.name === 'acme-bakery')!;
  // A trial with room for duplicates: the duplicate case makes two.
  const metabase = {
    ...base.metabase,
    name: NAME,
    uuid: randomUUID(),
    mode: 'trial' as const,
    subcode: null,
    duplicate_limit: 100,
  };
  const started = performance.now();
  await app.tenants.withCluster(server.id, async (admin) => {
    await ensureTenantTemplate(admin, metabase.version);
    await seedTenantDatabase(admin, app.secret, { metabase, tenant: base.tenant }, server.filestore_root);
  });
  await insertDatabases(app.metabase, [{ ...metabase, server_id: server.id }]);
  const database = (await findDatabase(app.metabase, NAME))!;

  const [, rowsMs] = await timed(() => generateRows(ctx, database, BENCH_GB * GB));
  const filestore = path.join(server.filestore_root, NAME);
  const [files, filesMs] = await timed(() => generateFiles(filestore, BENCH_GB * GB));
  // The generation's pooled connection would stay idle on the source for a while: a raw
  // CREATE DATABASE … TEMPLATE refuses a source with a session.
  app.tenants.forget(database);
  const databaseBytes = await app.tenants.withCluster(server.id, async (admin) => {
    // Generated pages on disk before anything copies them: the copies measure copying, not flushing.
    await admin.query('CHECKPOINT');
    return databaseSize(admin, NAME);
  });
  process.stderr.write(
    `  generated ${NAME}: database ${(databaseBytes / MB).toFixed(0)} MB (${(rowsMs / 1000).toFixed(1)} s), ` +
      `filestore ${files.files} files ${(files.bytes / MB).toFixed(0)} MB (${(filesMs / 1000).toFixed(1)} s); ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s in all\n`,
  );
  return {
    database,
    databaseBytes,
    filestore,
    files: files.files,
    fileBytes: files.bytes,
    label: sizeLabel(),
  };
}

let generated: Promise<GeneratedTenant> | undefined;

/** The run's generated tenant: made by the first case that asks, the same one for the next. */
export function generatedTenant(ctx: BenchContext): Promise<GeneratedTenant> {
  generated ??= generate(ctx);
  return generated;
}
