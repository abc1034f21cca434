import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { DEMO_AGENTS } from '../../src/demo/seed-demo.js';
import { DEMO_PASSWORD } from '../support/env.js';
import { e2eSetup, noPageErrors, url } from './browser.js';
import { checkLayout } from './layout-check.js';

const e2e = e2eSetup();

/** Where the screenshots go (git-ignored): one folder per level and size. */
export const SCREENS = path.resolve(import.meta.dirname, '../../test-results/screens');

const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1440, height: 900 },
] as const;

/** The database every level opens: the demo's fullest (custom domains, mail, logs, history). */
const DATABASE = 'acme-bakery';

const require = (await import('node:module')).createRequire(import.meta.url);
const axeSource = (require('axe-core') as { source: string }).source;

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

/** Every axe violation (any impact), with the elements it names. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<AxeResult> } }).axe;
    return axe.run();
  });
  return result.violations.map(
    (v) =>
      `${v.impact} ${v.id}: ${v.help} (${v.nodes
        .map((n) => n.target.join(' '))
        .slice(0, 5)
        .join(', ')})`,
  );
}

/** Fonts and pending renders settled: what a person sees once the page stopped moving. */
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.evaluate(() => document.fonts.ready);
  await page
    .waitForFunction(() => !document.querySelector('[aria-busy="true"]'), undefined, { timeout: 15_000 })
    .catch(() => undefined);
}

/**
 * The whole page and each of its sections: screenshots, then every layout and axe defect, named
 * with where it is. Returns the defects instead of failing at the first, so one run lists them all.
 */
async function inspect(page: Page, folder: string, name: string): Promise<string[]> {
  await settled(page);
  await page.screenshot({ path: path.join(folder, `${name}.png`), fullPage: true });
  const defects = (await checkLayout(page)).map((d) => `${name}: ${d.kind}: ${d.what}`);
  const sections = await page.locator('section[aria-labelledby]').all();
  for (const [i, s] of sections.entries()) {
    const id = (await s.getAttribute('aria-labelledby')) ?? String(i);
    await s.screenshot({ path: path.join(folder, `${name}--${id}.png`) }).catch(() => undefined);
  }
  defects.push(...(await axeViolations(page)).map((v) => `${name}: axe: ${v}`));
  return defects;
}

async function logIn(page: Page, login: string): Promise<void> {
  await page.goto(url('/login'));
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Databases', level: 1 }).waitFor();
}

describe('every page at phone and desktop width, as each level', () => {
  test('the login page lays out at both sizes without defects', async () => {
    const defects: string[] = [];
    for (const size of SIZES) {
      const folder = path.join(SCREENS, 'logged-out', size.name);
      await mkdir(folder, { recursive: true });
      const context = await e2e.browser.newContext({ viewport: size, locale: 'en-US', timezoneId: 'UTC' });
      const page = await context.newPage();
      await page.goto(url('/login'));
      await page.getByLabel('Login').waitFor();
      defects.push(...(await inspect(page, folder, 'login')).map((d) => `${size.name} ${d}`));
      await context.close();
    }
    expect(defects).toEqual([]);
  });

  for (const agent of DEMO_AGENTS) {
    test(`${agent.login} (level ${agent.level}): search, Tools page and each section, logs, servers, outbox, policy`, async () => {
      const defects: string[] = [];
      for (const size of SIZES) {
        const folder = path.join(SCREENS, agent.login, size.name);
        await mkdir(folder, { recursive: true });
        const context = await e2e.browser.newContext({
          viewport: size,
          locale: 'en-US',
          timezoneId: 'Europe/Brussels',
        });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        const at = (d: string[]) => d.map((x) => `${size.name} ${x}`);
        await logIn(page, agent.login);
        // Dates are UTC; the header says so and names the agent's own zone (the context's).
        expect(await page.locator('.topbar .tz').innerText()).toBe('Times in UTC · you: Europe/Brussels (UTC+01:00)');
        defects.push(...at(await inspect(page, folder, 'search')));
        await page.getByLabel('Search').fill('bak');
        await page.getByRole('link', { name: DATABASE, exact: true }).waitFor();
        defects.push(...at(await inspect(page, folder, 'search-results')));

        await page.goto(url('/databases/' + DATABASE));
        await page.getByText('Current support level:').waitFor();
        defects.push(...at(await inspect(page, folder, 'tools')));

        for (const [name, pagePath] of [
          ['logs', `/databases/${DATABASE}/logs`],
          ['servers', '/servers'],
          ['outbox', '/outbox'],
          ['policy', '/policy'],
        ] as const) {
          await page.goto(url(pagePath));
          await page.locator('h1').first().waitFor();
          defects.push(...at(await inspect(page, folder, name)));
        }
        noPageErrors(errors);
        await context.close();
      }
      expect(defects).toEqual([]);
    }, 600_000);
  }
});

describe('a tenant-made choice on a phone', () => {
  test('too long for its select, it is written out whole beneath it and describes it; on a desktop the select shows it all', async () => {
    const shownBeneath: Record<string, string | null> = {};
    for (const size of SIZES) {
      const context = await e2e.browser.newContext({ viewport: size, locale: 'en-US', timezoneId: 'UTC' });
      const page = await context.newPage();
      await logIn(page, 'technical');
      await page.goto(url('/databases/' + DATABASE));
      const select = page.getByRole('region', { name: 'Admin Rights', exact: true }).getByLabel('User');
      await select.waitFor();
      await settled(page);
      const chosen = await select.evaluate((el: HTMLSelectElement) => el.selectedOptions[0].title);
      const describedBy = await select.getAttribute('aria-describedby');
      shownBeneath[size.name] = describedBy && (await page.locator(`[id="${describedBy}"]`).innerText());
      if (size.name === 'phone') expect(shownBeneath.phone).toBe(chosen);
      await context.close();
    }
    expect(shownBeneath.desktop).toBeNull();
  });
});
