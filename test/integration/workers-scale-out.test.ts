import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAgentByLogin } from '../../src/metabase/repositories/agents.js';
import type { AgentRow, JobRow } from '../../src/metabase/schema.js';
import { executeOperation } from '../../src/operations/execute.js';
import { CrashPlatform, type WorkerProcess } from '../support/crash-platform.js';
import { createTestTenant } from '../support/tenants.js';

/**
 * `dbtools worker` processes on one metabase, without the server: they share the queue, each job
 * runs once, and a worker killed mid-job has its job finished by the other one.
 */
let platform: CrashPlatform;
let agent: AgentRow;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  platform = await CrashPlatform.create();
  agent = (await findAgentByLogin(platform.app.metabase, 'functional'))!;
}, 240_000);
afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await platform?.close();
}, 120_000);

/** Queues a duplicate of a fresh tenant the way the API does, and answers its job id. */
async function queueDuplicate(): Promise<{ job: number; copy: string }> {
  const source = await createTestTenant(platform.app, { prefix: 'scale' });
  const answer = (await executeOperation(platform.app, {
    agent,
    database: source.name,
    operation: 'duplicate',
    input: {},
    requestId: randomUUID(),
  })) as { job: { id: number } };
  return { job: answer.job.id, copy: `${source.name}-dup-1` };
}

async function jobRow(id: number): Promise<JobRow> {
  return platform.app.metabase.selectFrom('job').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function untilDone(ids: number[], ms = 120_000): Promise<JobRow[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const rows = await Promise.all(ids.map(jobRow));
    if (rows.every((r) => r.state === 'completed' || r.state === 'failed')) return rows;
    if (Date.now() > deadline) throw new Error(`jobs still running: ${rows.filter((r) => r.state !== 'completed').map((r) => `${r.id} ${r.state} ${r.step}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The entries the duplicate's last step writes on the copy: one per completed duplicate. */
async function activationEntries(copy: string): Promise<number> {
  const rows = await platform.app.metabase
    .selectFrom('support_log')
    .select('id')
    .where('database_name', '=', copy)
    .where('operation', '=', 'duplicate')
    .where('outcome', '=', 'success')
    .execute();
  return rows.length;
}

describe('dbtools worker scales out', () => {
  it('two worker processes share the queue: every job runs exactly once, and both take some', async () => {
    workers.push(await platform.spawnWorker(), await platform.spawnWorker());
    const queued = [];
    for (let i = 0; i < 8; i++) queued.push(await queueDuplicate());
    const rows = await untilDone(queued.map((q) => q.job));
    for (const r of rows) expect([r.id, r.state, r.attempts, r.error]).toEqual([r.id, 'completed', 1, null]);
    for (const q of queued) expect([q.copy, await activationEntries(q.copy)]).toEqual([q.copy, 1]);
    // Each process runs one graphile worker (--concurrency 1): two ids, both at work.
    expect(new Set(rows.map((r) => r.worker_id)).size).toBe(2);
    expect(await platform.violations()).toEqual([]);
    for (const w of workers.splice(0)) await w.stop();
  }, 240_000);

  it('a worker killed with SIGKILL in the middle of a job has it resumed and finished by the other worker', async () => {
    const doomed = await platform.spawnWorker('duplicate:copy-filestore');
    const survivor = await platform.spawnWorker();
    workers.push(doomed, survivor);
    // Both wait for work: jobs are queued one at a time until the armed worker takes one and dies.
    let victim: { job: number; copy: string } | undefined;
    const finished: { job: number; copy: string }[] = [];
    for (let i = 0; i < 12 && !victim; i++) {
      const q = await queueDuplicate();
      for (;;) {
        const r = await jobRow(q.job);
        if (!doomed.running) {
          victim = q;
          break;
        }
        if (r.state === 'completed') {
          finished.push(q);
          break;
        }
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    expect(victim, 'the armed worker took a job within 12 tries').toBeDefined();
    expect(await doomed.exited).toBe('SIGKILL');
    const atCrash = await jobRow(victim!.job);
    expect(atCrash.state).toBe('running');
    expect(atCrash.step).toBe('copy-filestore');
    expect(await platform.violations()).toEqual([]);

    // The survivor's sweep finds the dead worker's job without heartbeat (3 s here) and runs it again.
    const [done] = await untilDone([victim!.job], 60_000);
    expect(done.state, done.error ?? '').toBe('completed');
    expect(done.attempts).toBe(2);
    expect(done.worker_id).not.toBe(atCrash.worker_id);
    expect(await activationEntries(victim!.copy)).toBe(1);
    for (const q of finished) expect(await activationEntries(q.copy)).toBe(1);
    expect(survivor.running).toBe(true);
    expect(await platform.violations()).toEqual([]);
  }, 240_000);
});
