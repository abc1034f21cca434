import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { finishJob, insertJob, recordJobStep } from '../../src/metabase/repositories/jobs.js';
import { AgentSession } from '../support/http.js';
import { baseUrl } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';
import { e2eSetup, logIn, newPage, noPageErrors, openTools, section, seriousViolations } from './browser.js';

const e2e = e2eSetup();

/**
 * A link the platform made (mail, Tools page) names its configured public address; the test
 * server listens on a port of its own, so the same path and query are fetched there, without a session.
 */
async function fetchLink(href: string): Promise<{ status: number; body: Buffer }> {
  const u = new URL(href);
  const res = await fetch(baseUrl() + u.pathname + u.search);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

const progressOf = (scope: ReturnType<typeof section>) => scope.getByRole('progressbar');

describe('backups, restore and dumps in the browser', () => {
  test('a dump prepared from the Tools page turns ready, its mail is in the Outbox, and its link downloads the zip', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-dump' });
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'saas-office');
    await openTools(page, db.name);
    const tool = section(page, 'Database Download');
    expect(await tool.locator('.dump-state').innerText()).toBe('none prepared yet');

    const recipient = `customer+${db.name}@example.com`;
    await tool.getByLabel('Send the link to (optional)').fill(recipient);
    await tool.getByRole('button', { name: 'Prepare a dump' }).click();
    // The job's progress shows in the section, with the kind of job and its step, until it is done.
    const bar = progressOf(tool);
    await bar.waitFor();
    await expect.poll(() => bar.getAttribute('aria-label')).toMatch(/^Job \d+ \(prepare-dump\)$/);
    await expect.poll(() => tool.locator('.job-step').innerText(), { timeout: 60_000 }).toBe('Dump · Done');
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    // The page model was loaded again when the job ended: the state, size, expiry and link are there.
    await expect.poll(() => tool.locator('.dump-state').innerText()).toBe('ready to download');
    const facts = await tool.locator('dl.facts').innerText();
    expect(facts).toMatch(/Size\s+[\d.]+ (KB|MB)/);
    expect(facts).toMatch(/Link expires\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC · in 23 hours/);
    expect(facts).toContain(recipient);
    const download = tool.getByRole('link', { name: `Download the dump of ${db.name}` });
    const fromTools = (await download.getAttribute('href'))!;
    expect(fromTools).toMatch(/\/api\/dumps\/\d+\/download\?expires=\d+&signature=/);
    await mkdir('docs/screenshots', { recursive: true });
    await tool.screenshot({ path: 'docs/screenshots/dump.png' });

    // The Outbox, from the navigation (saas-office's level allows it), has the mail.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Outbox' }).click();
    await page.getByRole('heading', { name: 'Outbox', level: 1 }).waitFor();
    const subject = `Your dump of ${db.name} is ready`;
    const row = page.locator('tbody tr', { hasText: subject });
    await row.waitFor();
    expect(await row.innerText()).toContain(recipient);
    await row.getByRole('link', { name: subject }).click();
    const mail = page.getByRole('article', { name: subject });
    await mail.waitFor();
    expect(await mail.locator('.mail-text').innerText()).toContain(`The dump of the database ${db.name}`);
    const link = mail.locator('.mail-text').getByRole('link');
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    const href = (await link.getAttribute('href'))!;
    expect(href).toBe(fromTools);
    expect(await link.innerText()).toBe(href);

    const zip = await fetchLink(href);
    expect(zip.status).toBe(200);
    expect(zip.body.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(zip.body.length).toBeGreaterThan(1000);

    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: 'docs/screenshots/outbox.png', fullPage: true });
    noPageErrors(errors);
    await context.close();
  });

  test('backup now, then restore into a new database: the progress shows until done and the copy exists', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-bkp' });
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'saas-office');
    await openTools(page, db.name);
    const tool = section(page, 'Backups and Restore');
    expect(await tool.locator('tbody').innerText()).toContain('No backup yet.');
    // No backup, nothing to restore.
    expect(await tool.getByRole('button', { name: 'Restore into a new database' }).count()).toBe(0);

    await tool.getByRole('button', { name: 'Back up now' }).click();
    await progressOf(tool).waitFor();
    await expect.poll(() => tool.locator('.job-step').innerText(), { timeout: 60_000 }).toBe('Backup · Done');
    // The model is loaded again when the job ends: the backup is in the table.
    await expect.poll(() => tool.locator('tbody').innerText()).toMatch(/^\d+\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC · just now\s+manual\s+[\d.]+ (KB|MB)$/);
    expect(await tool.innerText()).toContain('Manual backups today: 1 of');

    const target = `${db.name}-copy`;
    const restoreForm = tool.getByRole('group', { name: 'Restore a backup into a new database' });
    expect(await restoreForm.getByLabel('Backup').locator('option').count()).toBe(1);
    await restoreForm.getByLabel('New database name').fill(target);
    await restoreForm.getByRole('button', { name: 'Restore into a new database' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore into a new database?' });
    expect(await dialog.innerText()).toContain(`${db.name} stays as it is`);
    await dialog.getByRole('button', { name: 'Restore into a new database' }).click();

    // The section follows the restore job: its bar replaces the finished backup's, with the steps, until done.
    const bar = progressOf(tool);
    await expect.poll(() => bar.getAttribute('aria-label')).toMatch(/\(restore-backup\)$/);
    const steps = new Set<string>();
    await expect
      .poll(
        async () => {
          const step = await tool.locator('.job-step').innerText();
          steps.add(step);
          return step;
        },
        { timeout: 90_000, interval: 100 },
      )
      .toBe('Restore · Done');
    // At least one state before the end was seen, with its step in words.
    expect([...steps].some((s) => /^Restore · (?!Done)[A-Z][a-z]+ /.test(s)), [...steps].join(' | ')).toBe(true);
    await tool.getByRole('link', { name: target }).waitFor();

    const copy = await findDatabase(e2e.app.metabase, target);
    expect(copy?.duplicate_of).toBe(db.name);
    expect(copy?.uuid).not.toBe(db.uuid);
    const agent = await AgentSession.login('saas-office');
    const model = await agent.get(`/api/databases/${target}`);
    expect(model.status).toBe(200);
    expect(model.body.database).toMatchObject({ name: target, duplicate_of: db.name, state: 'active' });

    await tool.getByRole('link', { name: target }).click();
    await page.getByRole('heading', { name: target, level: 1 }).waitFor();
    noPageErrors(errors);
    await context.close();
  });

  test('a refreshed page shows the database’s running job from the page model, and reloads the model when it ends', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-job' });
    // A job row as a worker leaves it mid-way (never queued: this test drives its progress by hand).
    const job = await insertJob(e2e.app.metabase, { kind: 'backup', database_name: db.name, agent_id: null, payload: {} });
    await e2e.app.metabase.updateTable('job').set({ state: 'running', started_at: new Date() }).where('id', '=', job.id).execute();
    await recordJobStep(e2e.app.metabase, job.id, { step: 'backup', progress: 40, eta: new Date(Date.now() + 5 * 60_000) });

    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'saas-office');
    await openTools(page, db.name);
    const tool = section(page, 'Backups and Restore');
    const bar = progressOf(tool);
    await expect.poll(() => bar.getAttribute('aria-valuenow')).toBe('40');
    expect(await tool.locator('.job').innerText()).toMatch(/Backup · Backing up the database and its files\s+40 % · done in [45] minutes/);

    await page.reload();
    await bar.waitFor();
    await recordJobStep(e2e.app.metabase, job.id, { progress: 75 });
    // After the reload the page first reopens its job stream: on a loaded machine (the whole suite
    // on 2 cores) that took over 10 s once.
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 30_000 }).toBe('75');

    // Something the page shows changes meanwhile: it appears once the job's end reloads the model.
    await e2e.app.metabase.updateTable('database').set({ email_total_count: 4242 }).where('name', '=', db.name).execute();
    expect(await page.locator('.status-panel').innerText()).not.toContain('4,242 sent in total');
    await finishJob(e2e.app.metabase, job.id, { state: 'completed', result: {} });
    await expect.poll(() => tool.locator('.job-step').innerText()).toBe('Backup · Done');
    await expect.poll(() => page.locator('.status-panel').innerText()).toContain('4,242 sent in total');
    noPageErrors(errors);
    await context.close();
  });

  test('axe reports no serious or critical violation on a Tools page with the backup and dump sections, as saas-office', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-axe-bkp' });
    const agent = await AgentSession.login('saas-office');
    const started = await agent.run(db.name, 'backup-now');
    expect(started.status).toBe(200);
    expect(started.body.job.id).toBeGreaterThan(0);
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'saas-office');
    await openTools(page, db.name);
    const restore = section(page, 'Backups and Restore');
    await expect.poll(() => restore.locator('tbody tr .empty').count(), { timeout: 60_000 }).toBe(0);
    await restore.getByRole('button', { name: 'Restore in place' }).waitFor();
    await section(page, 'Database Download').getByRole('button', { name: 'Prepare a dump' }).waitFor();
    await page.locator('table.history tbody tr').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // The in-place restore warns before anything happens.
    await restore.getByRole('button', { name: 'Restore in place' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore in place?' });
    expect(await dialog.innerText()).toMatch(/safety backup[\s\S]*swapped/);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await restore.scrollIntoViewIfNeeded();
    await mkdir('docs/screenshots', { recursive: true });
    await restore.screenshot({ path: 'docs/screenshots/backups.png' });
    noPageErrors(errors);
    await context.close();
  });
});
