import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { autoRaiseEmailLimits } from '../../src/mail/relay/auto-raise.js';
import { shiftDay } from '../../src/dates.js';
import { findAgentByLogin } from '../../src/metabase/repositories/agents.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { toolsPage } from '../../src/tools/page.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

const now = new Date('2026-11-29T12:00:00Z');
let app: App & { close(): Promise<void> };
let functional: AgentSession;

beforeAll(async () => {
  app = await connectTestApp({ now: () => now });
  functional = await AgentSession.login('functional');
});
afterAll(() => app.close());

/** A database with 30 relay days of `perDay` messages and the given bounce rate, limit 100. */
async function withHistory(
  mode: 'paid' | 'trial',
  ageDays: number,
  perDay: number,
  bounceRate: number,
): Promise<DatabaseRow> {
  const db = await createTestTenant(app, {
    prefix: 'raise',
    metabase: { mode, create_date: new Date(now.getTime() - ageDays * 86_400_000), email_daily_limit: 100 },
  });
  await app.metabase
    .insertInto('email_relay_day')
    .values(
      Array.from({ length: 30 }, (_, i) => ({
        database_name: db.name,
        day: shiftDay('2026-11-29', -i),
        sent: perDay,
        hard_bounces: Math.round(perDay * bounceRate),
        daily_limit: 100,
      })),
    )
    .execute();
  return db;
}

const limitOf = async (db: DatabaseRow) => (await findDatabase(app.metabase, db.name))!.email_daily_limit;

async function autoLog(db: DatabaseRow) {
  return app.metabase
    .selectFrom('support_log')
    .select(['agent_login', 'operation', 'message', 'inputs'])
    .where('database_name', '=', db.name)
    .where('operation', '=', 'email-auto-raise')
    .execute();
}

describe('nightly automatic e-mail limit', () => {
  it('raises a green database one step, lowers a red one, leaves an orange one, each change logged by the system with its reason', async () => {
    const green = await withHistory('paid', 400, 100, 0.01);
    const red = await withHistory('paid', 400, 100, 0.1);
    const orange = await withHistory('trial', 60, 100, 0.01);
    const changes = await autoRaiseEmailLimits(app, [green.name, red.name, orange.name]);
    expect(changes.map((c) => [c.database, c.from, c.to]).sort()).toEqual(
      [
        [green.name, 100, 200],
        [red.name, 100, 50],
      ].sort(),
    );
    expect(await limitOf(green)).toBe(200);
    expect(await limitOf(red)).toBe(50);
    expect(await limitOf(orange)).toBe(100);
    const [raised] = await autoLog(green);
    expect(raised).toMatchObject({ agent_login: 'system', operation: 'email-auto-raise' });
    expect(raised.message).toMatch(
      /^Raised from 100 to 200 a day: badge green, score \d+ — Bounce rate 1\.0 %/,
    );
    expect((await autoLog(red))[0].message).toMatch(
      /^Lowered from 100 to 50 a day: badge red, score \d+ — .*unacceptable above 6 %/,
    );
    expect(await autoLog(orange)).toEqual([]);
  });

  it('leaves a limit an agent pinned until its end date, and says so on the section', async () => {
    const pinned = await withHistory('paid', 400, 40, 0.01);
    const res = await functional.run(pinned.name, 'set-email-limit', {
      limit: 150,
      reason: 'Agreed with the customer until the campaign ends',
      pinnedUntil: '2026-12-31T00:00:00Z',
    });
    expect(res.status).toBe(200);
    expect(await autoRaiseEmailLimits(app, [pinned.name])).toEqual([]);
    expect(await limitOf(pinned)).toBe(150);
    const agent = (await findAgentByLogin(app.metabase, 'functional'))!;
    const section = (await toolsPage(app, agent, pinned.name)).tools.email_limit as {
      nextAutomaticChange: unknown;
    };
    expect(section.nextAutomaticChange).toEqual({
      at: '2026-11-30T02:30:00.000Z',
      limit: null,
      reason: 'Pinned until 2026-12-31: Agreed with the customer until the campaign ends',
    });

    // Set again without a pin: the nightly job takes it over.
    expect((await functional.run(pinned.name, 'set-email-limit', { limit: 150 })).status).toBe(200);
    const planned = (
      (await toolsPage(app, agent, pinned.name)).tools.email_limit as {
        nextAutomaticChange: { limit: number };
      }
    ).nextAutomaticChange;
    expect(planned.limit).toBe(300);
    expect(await autoRaiseEmailLimits(app, [pinned.name])).toHaveLength(1);
    expect(await limitOf(pinned)).toBe(300);
  });

  it('refuses a pin without a reason', async () => {
    const db = await withHistory('paid', 400, 1, 0);
    const res = await functional.run(db.name, 'set-email-limit', {
      limit: 150,
      pinnedUntil: '2026-12-31T00:00:00Z',
    });
    expect(res.status).toBe(422);
    expect(await limitOf(db)).toBe(100);
  });
});
