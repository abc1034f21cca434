import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { App } from '../../src/app.js';
import { Conflict } from '../../src/errors.js';
import { findAgentByLogin } from '../../src/metabase/repositories/agents.js';
import { findDatabase, updateDatabase } from '../../src/metabase/repositories/databases.js';
import type { AgentRow } from '../../src/metabase/schema.js';
import { defineOperation } from '../../src/operations/define.js';
import { executeOperationDef } from '../../src/operations/execute.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let agent: AgentRow;

beforeAll(async () => {
  app = await connectTestApp();
  agent = (await findAgentByLogin(app.metabase, 'technical'))!;
});
afterAll(() => app.close());

/** Changes the metabase row inside the operation's transaction, then fails as told. */
function changeThenFail(name: string, failure: () => Error) {
  return defineOperation({
    name,
    access: 'email_limit',
    title: 'Test: change then fail',
    summary: 'Sets the e-mail limit, then fails.',
    input: z.object({ limit: z.number().int(), password: z.string().optional() }),
    secretInputs: ['password'],
    async run({ tx, database, input }) {
      await updateDatabase(tx, database.name, { email_daily_limit: input.limit });
      throw failure();
    },
  });
}

const supportLog = (database: string) =>
  app.metabase
    .selectFrom('support_log')
    .selectAll()
    .where('database_name', '=', database)
    .orderBy('id')
    .execute();

describe('audit atomicity', () => {
  for (const [kind, failure, message] of [
    [
      'a domain error',
      () => new Conflict('The customer changed their mind.'),
      'The customer changed their mind.',
    ],
    ['an unexpected error', () => new Error('socket hang up at /srv/secret/path.ts:12'), 'Internal error'],
  ] as const) {
    it(`an operation failing with ${kind} after its change leaves no change and exactly one failure entry`, async () => {
      const db = await createTestTenant(app, { prefix: 'audit' });
      const op = changeThenFail(`test-fail-${kind.length}`, failure);
      await expect(
        executeOperationDef(app, op, {
          agent,
          database: db.name,
          input: { limit: db.email_daily_limit + 77, password: 'hunter2' },
          requestId: 'req-audit-1',
        }),
      ).rejects.toThrow();
      expect((await findDatabase(app.metabase, db.name))!.email_daily_limit).toBe(db.email_daily_limit);
      const entries = await supportLog(db.name);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        operation: op.name,
        outcome: 'failure',
        message,
        agent_login: 'technical',
        agent_level: 3,
        request_id: 'req-audit-1',
        inputs: { limit: db.email_daily_limit + 77, password: '***' },
      });
    });
  }

  it('a successful operation commits its change together with exactly one success entry', async () => {
    const db = await createTestTenant(app, { prefix: 'audit-ok' });
    const op = defineOperation({
      name: 'test-succeed',
      access: 'email_limit',
      title: 'Test: change',
      summary: 'Sets the e-mail limit.',
      input: z.object({ limit: z.number().int() }),
      run: async ({ tx, database, input }) =>
        updateDatabase(tx, database.name, { email_daily_limit: input.limit }),
    });
    await executeOperationDef(app, op, {
      agent,
      database: db.name,
      input: { limit: 321 },
      requestId: 'req-audit-2',
    });
    expect((await findDatabase(app.metabase, db.name))!.email_daily_limit).toBe(321);
    const entries = await supportLog(db.name);
    expect(entries.map((e) => [e.operation, e.outcome])).toEqual([['test-succeed', 'success']]);
  });

  it('a level below the access map writes no entry at all', async () => {
    const db = await createTestTenant(app, { prefix: 'audit-403' });
    const helpdesk = (await findAgentByLogin(app.metabase, 'helpdesk'))!;
    await expect(
      executeOperationDef(
        app,
        changeThenFail('test-refused', () => new Error('never')),
        {
          agent: helpdesk,
          database: db.name,
          input: { limit: 1 },
          requestId: 'req-audit-3',
        },
      ),
    ).rejects.toMatchObject({ status: 403 });
    expect(await supportLog(db.name)).toEqual([]);
  });
});
