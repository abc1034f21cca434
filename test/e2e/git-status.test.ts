import { describe, expect, test } from 'vitest';
import { e2eSetup, logIn, newPage, noPageErrors, openTools, section, seriousViolations } from './browser.js';

const e2e = e2eSetup();

describe('the git status in the browser', () => {
  test('technical support reads the server’s four checkouts in the Database Status panel: commits, branch and upstream, each file’s staged and unstaged state, a missing folder', async () => {
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'technical');
    await openTools(page, 'acme-bakery');
    const status = section(page, 'Database Status');
    const git = status.getByRole('definition');
    await status.getByRole('heading', { name: 'Git Status' }).waitFor();
    const text = await status.innerText();
    // The panel's terms are upper-cased by the style sheet.
    expect(text).toMatch(/^ODOO\n[0-9a-f]{7,} \[FIX\] account: round the tax base/m);
    // The demo's odoo checkout has not pulled the newest upstream fix; enterprise has a hotfix commit.
    expect(text).toContain('On branch 17.0 · upstream origin/17.0: 1 commit behind');
    expect(text).toContain('On branch 17.0 · upstream origin/17.0: 1 commit ahead');
    expect(text).toContain('On branch 17.0 · no upstream');
    expect(text).toContain('With local changes (3 files)');
    const files = status.getByRole('table', { name: 'Local changes of Enterprise' });
    const rows = await files.getByRole('row').allInnerTexts();
    // The table's header is upper-cased by the style sheet too.
    expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual([
      'FILE STAGED NOT STAGED',
      'account_accountant/models/account_move.py — modified',
      'web_studio/models/studio_hotfix.py new file —',
      'web_studio/static/src/hotfix_4711.js — untracked',
    ]);
    expect(text).toMatch(/^INTERNAL\nThe folder \S+internal does not exist\./m);
    expect(await git.filter({ hasText: 'No local changes' }).count()).toBe(2);
    expect(await seriousViolations(page)).toEqual([]);
    noPageErrors(errors);
    await context.close();
  });

  test('functional support does not see the git status', async () => {
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'functional');
    await openTools(page, 'acme-bakery');
    await section(page, 'Database Status').waitFor();
    expect(await page.getByRole('heading', { name: 'Git Status' }).count()).toBe(0);
    noPageErrors(errors);
    await context.close();
  });
});
