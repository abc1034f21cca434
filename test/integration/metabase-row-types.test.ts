import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { insertIapCredits, iapBalances } from '../../src/metabase/repositories/iap-credits.js';
import { countActiveDatabases } from '../../src/metabase/repositories/pings.js';
import { countLoginAttempt } from '../../src/metabase/repositories/login-throttle.js';
import { insertSupportLog, pageSupportLogs } from '../../src/metabase/repositories/support-logs.js';
import { mailStats } from '../../src/tenant/mail-stats.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
beforeAll(async () => {
  app = await connectTestApp();
});
afterAll(() => app.close());

/** The JavaScript type a column's values must have, from its PostgreSQL type. */
function expectedType(dataType: string): string | undefined {
  if (['bigint', 'integer', 'smallint'].includes(dataType)) return 'number';
  if (['text', 'character varying', 'uuid'].includes(dataType)) return 'string';
  if (dataType === 'boolean') return 'boolean';
  return undefined;
}

describe('metabase row types match what the driver returns', () => {
  it('every integer column of every metabase table reads as a number, text as a string', async () => {
    const db = await createTestTenant(app);
    await countLoginAttempt(app.metabase, [`types-${randomUUID()}`], 15);
    await insertSupportLog(app.metabase, {
      agent_login: 'types',
      agent_level: 0,
      operation: 'types',
      database_name: db.name,
      inputs: {},
      outcome: 'success',
      message: null,
      request_id: null,
      agent_id: null,
    });
    const columns = await sql<{ table_name: string; column_name: string; data_type: string }>`
      SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_%'`.execute(app.metabase);
    const tables = [...new Set(columns.rows.map((c) => c.table_name))];
    const checked = new Set<string>();
    for (const table of tables) {
      const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)} LIMIT 20`.execute(
        app.metabase,
      );
      for (const column of columns.rows.filter((c) => c.table_name === table)) {
        const type = expectedType(column.data_type);
        if (!type) continue;
        for (const row of rows.rows) {
          const value = row[column.column_name];
          if (value === null) continue;
          expect(typeof value, `${table}.${column.column_name} (${column.data_type})`).toBe(type);
          checked.add(`${table}.${column.column_name}`);
        }
      }
    }
    // The columns the row types once declared as strings, and bigint counters and foreign keys.
    for (const column of [
      'database.id',
      'database.email_total_count',
      'support_log.id',
      'login_throttle.attempts',
      'agent.id',
      'hosting_server.port',
    ]) {
      expect(checked).toContain(column);
    }
  });

  it('typed queries return numbers for ids, counts and sums, without casts at the call site', async () => {
    const db = await createTestTenant(app);
    const row = await app.metabase
      .selectFrom('database')
      .selectAll()
      .where('name', '=', db.name)
      .executeTakeFirstOrThrow();
    expect(typeof row.id).toBe('number');
    expect(typeof row.email_total_count).toBe('number');

    const login = `types-${randomUUID()}`;
    await countLoginAttempt(app.metabase, [login], 15);
    const [count] = await countLoginAttempt(app.metabase, [login], 15);
    expect(count.attempts).toBe(2);
    expect(typeof count.retryAfter).toBe('number');

    const token = `types-${randomUUID()}`;
    await insertIapCredits(app.metabase, [
      {
        account_token: token,
        service_name: 'sms',
        database_name: db.name,
        credits: 40,
        reason: 'types',
        agent_login: null,
      },
      {
        account_token: token,
        service_name: 'sms',
        database_name: db.name,
        credits: 2,
        reason: 'types',
        agent_login: null,
      },
    ]);
    expect((await iapBalances(app.metabase, [token])).get(token)).toBe(42);

    const active = await countActiveDatabases(app.metabase);
    expect(typeof active).toBe('number');
    expect(active).toBeGreaterThan(0);
    const page = await pageSupportLogs(app.metabase, db.name, 1);
    expect(typeof page.pages).toBe('number');
  });

  it('tenant counts read as numbers too: the int8 parser is set for tenant connections', async () => {
    const db = await createTestTenant(app);
    const stats = await app.tenants.withTenant(db, (c) => mailStats(c));
    for (const value of Object.values(stats)) expect(typeof value).toBe('number');
  });
});
