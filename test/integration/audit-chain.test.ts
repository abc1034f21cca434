import { execFile } from 'node:child_process';
import path from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { App } from '../../src/app.js';
import { GENESIS_HASH } from '../../src/audit/chain.js';
import { verifySupportHistory } from '../../src/audit/verify.js';
import { ensureKeyedChain } from '../../src/audit/cut-over.js';
import { auditKeyOf, auditKeyPlugin } from '../../src/audit/key.js';
import { connectMetabase, type MetabaseDb } from '../../src/metabase/connect.js';
import { migrationProvider } from '../../src/metabase/migrations/index.js';
import { insertSupportLog, type SupportLogEntry } from '../../src/metabase/repositories/support-logs.js';
import type { DatabaseRow, SupportLogRow } from '../../src/metabase/schema.js';
import { testEnv } from '../support/env.js';
import { AgentSession } from '../support/http.js';
import { baseUrl, connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

const bin = path.resolve(import.meta.dirname, '../../bin/dbtools.js');
let app: App & { close(): Promise<void> };
let tenant: DatabaseRow;
let functional: AgentSession;

/** `dbtools …` as an operator runs it on the server's machine: same data folder, no API. */
function dbtools(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...testEnv(inject('dataDir')) }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The check `dbtools audit verify` makes, with the run's audit key and heads file. */
const verify = (db: MetabaseDb, headsFile = app.config.audit.headsFile) => verifySupportHistory(db, headsFile);

const entriesOf = (database: string) =>
  app.metabase.selectFrom('support_log').selectAll().where('database_name', '=', database).orderBy('id').execute();

function entry(database: string, message: string | null = null): SupportLogEntry {
  return {
    agent_id: null,
    agent_login: 'system',
    agent_level: 0,
    operation: 'audit-test',
    database_name: database,
    inputs: { nested: { b: 1, a: [1.5, 'x', null] }, when: '2026-11-29' },
    outcome: 'success',
    message,
    request_id: null,
  };
}

async function setEmailLimits(database: string, limits: number[]): Promise<void> {
  for (const limit of limits) {
    const res = await functional.run(database, 'set-email-limit', { limit });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

beforeAll(async () => {
  app = await connectTestApp();
  tenant = await createTestTenant(app, { prefix: 'audit-chain' });
  functional = await AgentSession.login('functional');
  await setEmailLimits(tenant.name, [101, 102, 103]);
});
afterAll(() => app.close());

describe('the support history is a hash chain', () => {
  it('dbtools audit verify passes on the demo platform and counts its entries', async () => {
    const { code, stdout, stderr } = await dbtools('audit', 'verify');
    expect(code, stderr).toBe(0);
    const count = Number(/intact: (\d+) entries/.exec(stdout)?.[1]);
    expect(count, stdout).toBeGreaterThanOrEqual(3);
    expect(stdout).toMatch(/head [0-9a-f]{64}; signed with the audit key from entry #\d+\./);
    expect(stdout).toMatch(/\d+ published heads checked/);
  });

  it('an entry edited with SQL makes dbtools audit verify fail with exit code 1, naming that entry (id, database, date)', async () => {
    const [edited] = await entriesOf(tenant.name);
    await sql`UPDATE support_log SET message = 'nothing happened here' WHERE id = ${edited.id}`.execute(app.metabase);
    try {
      const { code, stdout } = await dbtools('audit', 'verify');
      expect(code, stdout).toBe(1);
      expect(stdout).toContain(`broken at entry #${edited.id} (database ${tenant.name}, ${edited.at.toISOString()})`);
      expect(stdout).toContain('edited');
    } finally {
      await sql`UPDATE support_log SET message = ${edited.message} WHERE id = ${edited.id}`.execute(app.metabase);
    }
    expect(await verify(app.metabase)).toMatchObject({ intact: true });
  });

  it('a deleted entry breaks the chain at the entry that followed it', async () => {
    const [deleted, next] = await entriesOf(tenant.name);
    await sql`DELETE FROM support_log WHERE id = ${deleted.id}`.execute(app.metabase);
    try {
      const check = await verify(app.metabase);
      expect(check.intact).toBe(false);
      // Entries written by other tests may sit between the two: the first one after the gap is named.
      if (!check.intact) {
        expect(check.broken.id).toBeGreaterThan(Number(deleted.id));
        expect(check.broken.id).toBeLessThanOrEqual(Number(next.id));
        expect(check.broken.reason).toMatch(/deleted/);
      }
    } finally {
      await app.metabase
        .insertInto('support_log')
        .values({ ...deleted, inputs: JSON.stringify(deleted.inputs) })
        .execute();
    }
    expect(await verify(app.metabase)).toMatchObject({ intact: true });
  });

  it('a changed value inside the inputs, or a changed date, is caught as well', async () => {
    const [, , target] = await entriesOf(tenant.name);
    for (const change of [
      sql`UPDATE support_log SET inputs = jsonb_set(inputs, '{limit}', '99999') WHERE id = ${target.id}`,
      sql`UPDATE support_log SET at = at - interval '1 day' WHERE id = ${target.id}`,
    ]) {
      await change.execute(app.metabase);
      const check = await verify(app.metabase);
      await sql`UPDATE support_log SET inputs = ${JSON.stringify(target.inputs)}::jsonb, at = ${target.at} WHERE id = ${target.id}`.execute(
        app.metabase,
      );
      expect(check).toMatchObject({ intact: false, broken: { id: Number(target.id), database: tenant.name } });
    }
    expect(await verify(app.metabase)).toMatchObject({ intact: true });
  });

  it('20 operations in parallel on 4 databases, and 20 bare writes in parallel, keep one unforked chain', async () => {
    const tenants = await Promise.all([0, 1, 2, 3].map(() => createTestTenant(app, { prefix: 'audit-par' })));
    const before = await verify(app.metabase);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => functional.run(tenants[i % 4].name, 'set-email-limit', { limit: 200 + i })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    // The pool's own transactions, none of them waiting on a database row lock.
    await Promise.all(Array.from({ length: 20 }, (_, i) => insertSupportLog(app.metabase, entry(tenants[i % 4].name))));
    const after = await verify(app.metabase);
    expect(after.intact).toBe(true);
    expect(after.entries - before.entries).toBeGreaterThanOrEqual(40);
    const rows = (await Promise.all(tenants.map((t) => entriesOf(t.name)))).flat();
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(40);
  });

  it('the metabase itself refuses a second entry after the same head (a fork)', async () => {
    const [first] = await entriesOf(tenant.name);
    await expect(
      sql`INSERT INTO support_log (agent_login, agent_level, operation, database_name, outcome, prev_hash, hash)
          VALUES ('x', 0, 'fork', ${tenant.name}, 'success', ${first.prev_hash}, 'x')`.execute(app.metabase),
    ).rejects.toThrow(/support_log_chain/);
  });

  it('migration 008 chains the entries that existed before it, oldest first, and the audit key takes over from its cut-over entry', async () => {
    const server = await embeddedServer(app);
    const name = `audit_migrate_${process.pid}`;
    // A metabase of its own has heads of its own: none published yet. It lives on a hosting
    // cluster (the metabase's own cluster is not a hosting server).
    const heads = path.join(inject('dataDir'), `audit-migrate-${process.pid}.log`);
    await app.tenants.withCluster(server.id, async (admin) => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
      await admin.query(`CREATE DATABASE "${name}"`);
    });
    const db = connectMetabase(
      { host: server.host, port: server.port, user: server.superuser, password: server.password ?? undefined, database: name },
      { plugins: [auditKeyPlugin(auditKeyOf(app.metabase))] },
    );
    try {
      const names = Object.keys(await migrationProvider.getMigrations()).sort();
      const before008 = names[names.indexOf('008-support-log-chain') - 1];
      const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
      expect((await migrator.migrateTo(before008)).error).toBeUndefined();
      await sql`
        INSERT INTO support_log (at, agent_login, agent_level, operation, database_name, inputs, outcome, message)
        SELECT now() - make_interval(secs => 1000 - i) + interval '123 microseconds', 'helpdesk', 1, 'ping',
               'db-' || (i % 7), jsonb_build_object('i', i, 'z', 'last', 'a', 'first'), 'success', 'entry ' || i
          FROM generate_series(1, 2500) i`.execute(db);
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      // Plain hashes only: with the key, verify wants the cut-over entry a start writes.
      expect(await verify(db, heads)).toMatchObject({ intact: false, broken: { reason: expect.stringMatching(/no entry .* signed with the audit key/) } });
      const first = await db.selectFrom('support_log').selectAll().orderBy('id').limit(1).executeTakeFirstOrThrow();
      expect(first.prev_hash).toBe(GENESIS_HASH);
      const cutOver = await ensureKeyedChain(db);
      expect(cutOver.created).toBe(true);
      expect(await ensureKeyedChain(db)).toEqual({ id: cutOver.id, created: false });
      expect(await verify(db, heads)).toMatchObject({ intact: true, entries: 2501, keyedFrom: cutOver.id });
      // New entries continue the backfilled chain, keyed.
      await insertSupportLog(db, entry('db-1'));
      expect(await verify(db, heads)).toMatchObject({ intact: true, entries: 2502, keyedFrom: cutOver.id });
    } finally {
      await db.destroy();
      await app.tenants.withCluster(server.id, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}"`));
    }
  });
});

/** RFC 4180 rows (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('GET /api/support-logs/export', () => {
  const exportUrl = (format: string, database: string) =>
    `/api/support-logs/export?format=${format}&database=${encodeURIComponent(database)}`;
  /** The answer as text, whatever its type (JSON lines, CSV, an error). */
  const download = async (session: AgentSession, url: string) => {
    const res = await fetch(baseUrl() + url, { headers: { cookie: session.cookie } });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

  it('needs the level of support_logs_export (4): level 3 gets 403 and no rows', async () => {
    expect(app.policy.minimumLevel('support_logs_export')).toBe(4);
    const technical = await AgentSession.login('technical');
    const res = await technical.get(exportUrl('jsonl', tenant.name));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('not_allowed');
  });

  it('streams JSON lines: one object per entry, oldest first, every stored field as in the metabase', async () => {
    const office = await AgentSession.login('saas-office');
    const res = await download(office, exportUrl('jsonl', tenant.name));
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/application\/x-ndjson/);
    const lines = res.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const rows = await entriesOf(tenant.name);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(lines).toEqual(JSON.parse(JSON.stringify(rows)) as SupportLogRow[]);
  });

  it('streams CSV whose cells cannot start a spreadsheet formula, the same rows as the metabase', async () => {
    const db = await createTestTenant(app, { prefix: 'audit-csv' });
    await setEmailLimits(db.name, [7]);
    for (const evil of ['=HYPERLINK("http://evil.test","x")', '+1+1', '-2+3', '@SUM(A1)', 'a, "quoted"\nline']) {
      await insertSupportLog(app.metabase, entry(db.name, evil));
    }
    const office = await AgentSession.login('saas-office');
    const res = await download(office, exportUrl('csv', db.name));
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/text\/csv/);
    const [header, ...cells] = parseCsv(res.text);
    expect(header).toEqual(['id', 'at', 'agent_id', 'agent_login', 'agent_level', 'operation', 'database_name', 'inputs', 'outcome', 'message', 'request_id', 'prev_hash', 'hash']);
    const rows = await entriesOf(db.name);
    expect(cells.map((c) => [Number(c[0]), c[1], c[9], c[12]])).toEqual(
      rows.map((r) => [Number(r.id), r.at.toISOString(), r.message === null ? '' : /^[=+\-@]/.test(r.message) ? `'${r.message}` : r.message, r.hash]),
    );
    expect(cells.map((c) => c[9]).slice(1)).toEqual([`'=HYPERLINK("http://evil.test","x")`, `'+1+1`, `'-2+3`, `'@SUM(A1)`, 'a, "quoted"\nline']);
    expect(cells.every((r) => r.every((cell) => !/^[=+\-@]/.test(cell)))).toBe(true);
  });

  it('filters by date: a day as `to` includes that whole day, `from` excludes what came before', async () => {
    const office = await AgentSession.login('saas-office');
    const [first] = await entriesOf(tenant.name);
    const day = first.at.toISOString().slice(0, 10);
    const ids = async (query: string) => {
      const res = await download(office, `${exportUrl('jsonl', tenant.name)}&${query}`);
      expect(res.status, res.text).toBe(200);
      const text = res.text.trim();
      return text ? text.split('\n').map((l) => (JSON.parse(l) as { id: number }).id) : [];
    };
    expect(await ids(`to=${day}`)).toContain(Number(first.id));
    expect(await ids(`to=${new Date(first.at.getTime() - 86_400_000).toISOString().slice(0, 10)}`)).toEqual([]);
    expect(await ids(`from=${new Date(first.at.getTime() + 86_400_000 * 2).toISOString()}`)).toEqual([]);
    expect((await download(office, `${exportUrl('jsonl', tenant.name)}&to=yesterday`)).status).toBe(422);
  });
});
