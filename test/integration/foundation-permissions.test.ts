import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { DEMO_AGENTS } from '../../src/demo/seed-demo.js';
import { allOperations } from '../../src/operations/registry.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let locked: DatabaseRow;
let open: DatabaseRow;
const sessions = new Map<number, AgentSession>();

beforeAll(async () => {
  app = await connectTestApp();
  // Our own databases: whatever an operation does at or above its level, no demo data changes.
  [locked, open] = await Promise.all([
    createTestTenant(app, { prefix: 'perm-locked', metabase: { status: 'open,maintenance' } }),
    createTestTenant(app, { prefix: 'perm-open' }),
  ]);
  for (const a of DEMO_AGENTS) sessions.set(a.level, await AgentSession.login(a.login));
});
afterAll(() => app.close());

// Inputs no operation accepts: the answer at or above the level is a 4xx about the input or the state.
const invalidInput = { until: 'not a date', limit: -1, validation: 'x' };

describe('the permission matrix', () => {
  const levels = DEMO_AGENTS.map((a) => a.level);
  for (const op of allOperations()) {
    it(`${op.name} (${op.access}) is refused with 403 below its access-map level and never at or above`, async () => {
      const minimum = app.policy.minimumLevel(op.access);
      expect(Number.isFinite(minimum), `${op.access} is in the access map`).toBe(true);
      for (const level of levels) {
        const agent = sessions.get(level)!;
        for (const [db, input] of [
          [locked, {}],
          [open, invalidInput],
        ] as const) {
          const res = await agent.runUntyped(db.name, op.name, input);
          const where = `${op.name} by level ${level} on ${db.name}: ${res.status} ${JSON.stringify(res.body)}`;
          if (level < minimum) {
            expect(res.status, where).toBe(403);
            expect(res.body.error.code, where).toBe('not_allowed');
          } else {
            expect(res.status, where).not.toBe(403);
            expect(res.status, where).toBeLessThan(500);
          }
        }
      }
    });
  }

  it('a refused call leaves no support-log entry; a permitted one exactly one, and nothing changes a locked database', async () => {
    const levels = DEMO_AGENTS.map((a) => a.level);
    // The matrix ran on each database once per level at or above each operation's minimum.
    const expected = allOperations().reduce(
      (n, op) => n + levels.filter((l) => l >= app.policy.minimumLevel(op.access)).length,
      0,
    );
    const entries = (name: string) =>
      app.metabase
        .selectFrom('support_log')
        .select(['outcome', 'operation'])
        .where('database_name', '=', name)
        .execute();
    const [onOpen, onLocked] = await Promise.all([entries(open.name), entries(locked.name)]);
    expect(onOpen).toHaveLength(expected);
    expect(onLocked).toHaveLength(expected);
    const changesLocked = new Set(
      allOperations()
        .filter((op) => op.allowedWhenLocked)
        .map((op) => op.name),
    );
    expect(onLocked.filter((e) => e.outcome === 'success' && !changesLocked.has(e.operation))).toEqual([]);
  });
});
