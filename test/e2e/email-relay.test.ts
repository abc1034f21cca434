import { describe, expect, test } from 'vitest';
import { relayDay, shiftDay } from '../../src/mail/relay/day.js';
import { createTestTenant } from '../support/tenants.js';
import { e2eSetup, logIn, newPage, noPageErrors, openTools, section } from './browser.js';

const e2e = e2eSetup();

describe('the E-mail Limit section in the browser', () => {
  test('shows the relay’s live counts, the trust badge with one line per rule, and the last 30 days', async () => {
    const db = await createTestTenant(e2e.app, {
      prefix: 'e2e-relay',
      metabase: { mode: 'paid', email_daily_limit: 500, email_total_count: 1000 },
    });
    const today = relayDay(new Date(), 0);
    // What the relay counted: 30 days of 100 messages, 10 % bounced (red), 7 refused today.
    await e2e.app.metabase
      .insertInto('email_relay_day')
      .values(
        Array.from({ length: 30 }, (_, i) => ({
          database_name: db.name,
          day: shiftDay(today, -i),
          sent: 100,
          refused: i === 0 ? 7 : 0,
          hard_bounces: 10,
          daily_limit: 500,
        })),
      )
      .execute();
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'functional');
    await openTools(page, db.name);

    await expect
      .poll(() => page.locator('.status-panel').innerText())
      .toContain('100 sent today out of 500. 0 sent today via an external server. 4,000 sent in total.');
    const tool = section(page, 'E-mail Limit');
    await expect.poll(() => tool.locator('.badge.trust-red').innerText()).toBe('Red: do not raise');
    const reasons = await tool.locator('.trust-reasons li').allInnerTexts();
    expect(reasons).toHaveLength(7);
    expect(reasons[0]).toBe('bounce rate (−60): Bounce rate 10.0 % (300 of 3000): unacceptable above 6 %');
    expect(await tool.locator('.next-change').innerText()).toMatch(/Next automatic change at .* UTC: lower to 250 a day/);
    await tool.getByText('Last 30 days through the relay').click();
    const rows = tool.locator('table.email-days tbody tr');
    expect(await rows.count()).toBe(30);
    expect(await rows.last().innerText()).toMatch(new RegExp(`${today}\\s+100\\s+7\\s+10\\s+0\\s+500`));
    noPageErrors(errors);
    await context.close();
  });
});
