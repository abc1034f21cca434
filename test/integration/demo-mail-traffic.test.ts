import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  backfillDemoMailHistory,
  startDemoMailTraffic,
  type DemoSender,
} from '../../src/demo/mail-traffic.js';
import { wireTenantToRelay } from '../../src/mail/relay/credentials.js';
import { shiftDay } from '../../src/dates.js';
import { relayDay } from '../../src/mail/relay/day.js';
import { startMailRelay, type MailRelay } from '../../src/mail/relay/start.js';
import { relayDays } from '../../src/metabase/repositories/email-relay.js';
import { updateDatabase } from '../../src/metabase/repositories/databases.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let relay: MailRelay;

beforeAll(async () => {
  app = await connectTestApp();
  relay = await startMailRelay(app);
});
afterAll(async () => {
  await relay.close();
  await app.close();
});

async function wired(prefix: string, limit: number, createdDaysAgo = 60): Promise<string> {
  const db = await createTestTenant(app, {
    prefix,
    metabase: { create_date: new Date(app.now().getTime() - createdDaysAgo * 86_400_000) },
  });
  await updateDatabase(app.metabase, db.name, { email_daily_limit: limit });
  await wireTenantToRelay(app, db, relay.address);
  return db.name;
}

const today = () => relayDay(app.now(), app.config.relay.dayStartHour);
const counted = async (database: string) => (await relayDays(app.metabase, database, today(), today()))[0];

describe('demo mail traffic', () => {
  it('sends real SMTP through the relay with each tenant’s own credentials: steady mail is counted, the bad list’s DSNs come back as hard bounces, the over-limit sender is refused past its limit', async () => {
    const senders: DemoSender[] = [
      { database: await wired('demo-steady', 100), kind: 'steady', perRound: 2 },
      { database: await wired('demo-badlist', 100), kind: 'bad-list', perRound: 4 },
      { database: await wired('demo-over', 5), kind: 'over-limit', perRound: 4 },
    ];
    const traffic = await startDemoMailTraffic(app, relay, { senders, intervalMs: null });
    try {
      const rounds = [
        await traffic.round(),
        await traffic.round(),
        await traffic.round(),
        await traffic.round(),
      ];
      const [steady, badList, over] = senders.map((s) => s.database);
      expect(rounds.map((r) => r[steady])).toEqual(
        Array(4).fill({ sent: 2, refused: 0, bounced: 0, failed: 0 }),
      );
      // 16 messages, one address in 8 does not exist: 2 DSNs.
      expect(rounds.reduce((n, r) => n + r[badList].bounced, 0)).toBe(2);
      expect(rounds.reduce((n, r) => n + r[over].refused, 0)).toBe(11);
      expect(await counted(steady)).toMatchObject({ sent: 8, refused: 0, hard_bounces: 0 });
      expect(await counted(badList)).toMatchObject({ sent: 16, refused: 0, hard_bounces: 2 });
      expect(await counted(over)).toMatchObject({ sent: 5, refused: 11, daily_limit: 5 });
    } finally {
      await traffic.stop();
    }
  });

  it('backfills 14 past days once, for a database without relay history only, and never rewrites a day', async () => {
    const fresh: DemoSender = { database: await wired('demo-fresh', 200), kind: 'bad-list', perRound: 1 };
    const over: DemoSender = {
      database: await wired('demo-fresh-over', 50),
      kind: 'over-limit',
      perRound: 1,
    };
    expect(await backfillDemoMailHistory(app, [fresh, over])).toEqual([fresh.database, over.database]);
    const days = await relayDays(app.metabase, fresh.database, shiftDay(today(), -30), today());
    expect(days.map((d) => d.day)).toEqual(Array.from({ length: 14 }, (_, k) => shiftDay(today(), k - 14)));
    const sent = days.reduce((n, d) => n + d.sent, 0);
    const bounced = days.reduce((n, d) => n + d.hard_bounces, 0);
    expect(bounced / sent).toBeGreaterThan(0.1);
    const overDays = await relayDays(app.metabase, over.database, shiftDay(today(), -30), today());
    expect(overDays.every((d) => d.sent === 50 && d.refused > 0 && d.daily_limit === 50)).toBe(true);

    expect(await backfillDemoMailHistory(app, [fresh, over])).toEqual([]);
    expect(await relayDays(app.metabase, fresh.database, shiftDay(today(), -30), today())).toEqual(days);
  });

  it('starts a young database’s history on the day it was created, not before', async () => {
    const young: DemoSender = { database: await wired('demo-young', 200, 5.5), kind: 'steady', perRound: 1 };
    expect(await backfillDemoMailHistory(app, [young])).toEqual([young.database]);
    const days = await relayDays(app.metabase, young.database, shiftDay(today(), -30), today());
    const created = relayDay(new Date(app.now().getTime() - 5.5 * 86_400_000), app.config.relay.dayStartHour);
    expect(days.length).toBeGreaterThan(0);
    expect(days[0].day).toBe(created);
  });
});
