import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { pingBatchSize, pingDueDatabases } from '../../src/ping/schedule.js';
import { connectTestApp } from '../support/platform.js';

let app: App & { close(): Promise<void> };
beforeAll(async () => {
  app = await connectTestApp();
});
afterAll(() => app.close());

describe('ping schedule', () => {
  it('spreads the platform over the week so that every database is pinged within 7 days', () => {
    const runsPerWeek = (7 * 24 * 60) / 10;
    for (const n of [1, 37, 1_000, 1_000_000]) {
      expect(pingBatchSize(n) * runsPerWeek).toBeGreaterThanOrEqual(n);
      // ...without pinging everything at once.
      expect(pingBatchSize(n)).toBeLessThanOrEqual(Math.ceil(n / 500));
    }
  });

  it('pings the databases heard from longest ago first, and records when', async () => {
    const first = await pingDueDatabases(app, 4);
    const second = await pingDueDatabases(app, 4);
    expect(first).toHaveLength(4);
    expect(second.filter((n) => first.includes(n))).toEqual([]);
    for (const name of first) {
      const row = await findDatabase(app.metabase, name);
      expect(row?.last_ping_at?.getTime()).toBeGreaterThan(Date.now() - 60_000);
    }
  });
});
