import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { App } from '../../src/app.js';
import { DEMO_PASSWORD } from '../support/env.js';
import { baseUrl, connectTestApp } from '../support/platform.js';

/** Chromium; `args` adds switches (e.g. `--host-resolver-rules` to reach hosted databases by name). */
export function launchBrowser(args: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...args,
    ],
  });
}

export interface E2e {
  /** Chromium, shared by the file's tests (each test opens its own profile with `newPage`). */
  readonly browser: Browser;
  /** The test platform's App, to prepare data and check what the browser did. */
  readonly app: App & { close(): Promise<void> };
}

/**
 * What an e2e file needs: call it at the top of the file; the browser and the App are there
 * from its `beforeAll` on and closed after its last test.
 */
export function e2eSetup(): E2e {
  const e2e = {} as { browser: Browser; app: App & { close(): Promise<void> } };
  beforeAll(async () => {
    e2e.browser = await launchBrowser();
    e2e.app = await connectTestApp();
  });
  afterAll(async () => {
    await e2e.browser?.close();
    await e2e.app?.close();
  });
  return e2e;
}

/** A fresh browser profile (no cookie, no sessionStorage) that fails the test on any page error. */
export async function newPage(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

export function url(path: string): string {
  return baseUrl() + path;
}

/** Logs in through the login page, the way an agent does (on another console than the run's: its base and password). */
export async function logIn(page: Page, login: string, on: { base: string; password: string } = { base: baseUrl(), password: DEMO_PASSWORD }): Promise<void> {
  await page.goto(on.base + '/');
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(on.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Databases', level: 1 }).waitFor();
}

export async function openTools(page: Page, database: string, base = baseUrl()): Promise<void> {
  await page.goto(base + '/databases/' + encodeURIComponent(database));
  await page.getByText('Current support level:').waitFor();
}

export function section(page: Page, title: string) {
  return page.getByRole('region', { name: title, exact: true });
}

/** YYYY-MM-DD, `days` after today (UTC). */
export function dayFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export function noPageErrors(errors: string[]): void {
  expect(errors, 'uncaught errors in the page').toEqual([]);
}

const require = createRequire(import.meta.url);
const axeSource = (require('axe-core') as { source: string }).source;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core run inside the page (evaluate is not subject to the page's CSP, unlike a script tag). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
