import { describe, expect, test } from 'vitest';
import { shiftDay } from '../../src/dates.js';
import { relayDay } from '../../src/mail/relay/day.js';
import { createTestTenant } from '../support/tenants.js';
import { e2eSetup, logIn, newPage, noPageErrors, openTools, section, seriousViolations } from './browser.js';

const e2e = e2eSetup();

describe('the E-mail Limit section in the browser', () => {
  test('shows the relay’s live counts, the trust badge with one line per rule, and the last 30 days as a chart with its table alternative, axe clean', async () => {
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
    // The chart is drawn: a canvas of non-zero size where the "sent" line (#1a5fb4) is painted.
    const canvas = tool.locator('.email-chart canvas');
    await canvas.waitFor();
    const drawn = await canvas.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let sentLine = 0;
      for (let i = 0; i < data.length; i += 4)
        if (data[i] === 0x1a && data[i + 1] === 0x5f && data[i + 2] === 0xb4 && data[i + 3] === 255) sentLine++;
      return { width: c.clientWidth, height: c.clientHeight, sentLine };
    });
    expect(drawn.width).toBeGreaterThan(200);
    expect(drawn.height).toBeGreaterThan(100);
    expect(drawn.sentLine).toBeGreaterThan(100);
    expect(await tool.locator('.chart-legend li').allInnerTexts()).toEqual([
      'Sent',
      'Refused over the limit',
      'Bounced',
      'Daily limit',
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    // The same figures as a table, for screen readers and keyboard users.
    await tool.getByText('Show the last 30 days as a table').click();
    const rows = tool.locator('table.email-days tbody tr');
    expect(await rows.count()).toBe(30);
    expect(await rows.last().innerText()).toMatch(new RegExp(`${today}\\s+100\\s+7\\s+10\\s+0\\s+500`));
    expect(await seriousViolations(page)).toEqual([]);
    noPageErrors(errors);
    await context.close();
  });
});
