import { EventEmitter } from 'node:events';
import { Logger, makeWorkerUtils, run, type WorkerEvents } from 'graphile-worker';
import { sql } from 'kysely';
import pg from 'pg';
import { countActiveDatabases } from '../../src/metabase/repositories/pings.js';
import { pingDueDatabases } from '../../src/ping/schedule.js';
import { defineBenchCase, type BenchContext } from '../context.js';

/** Rounds over every active database (one unmeasured first). */
const ROUNDS = 10;
const NOOP_JOBS = 3000;
/** pingDueDatabases' own default, and the worker's concurrency for the no-op jobs: the same parallelism. */
const CONCURRENCY = 4;

/**
 * graphile-worker's own rate on this machine: NOOP_JOBS jobs of a task that does nothing, queued
 * first, then one worker (the platform's connection settings, its own pool) runs until drained.
 */
async function noopJobRate(ctx: BenchContext): Promise<{ jobs: number; ms: number }> {
  const pool = new pg.Pool({ ...ctx.metabaseConnection, max: CONCURRENCY + 2 });
  // As the platform's worker pool: a dropped idle connection must not crash the run.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const logger = new Logger(() => () => undefined);
  const utils = await makeWorkerUtils({ pgPool: pool, logger });
  try {
    await utils.migrate();
    await utils.addJobs(
      Array.from({ length: NOOP_JOBS }, (_, i) => ({ identifier: 'noop', payload: { i } })),
    );
    const events = new EventEmitter() as WorkerEvents;
    let done = 0;
    let failed = 0;
    const drained = new Promise<void>((resolve) =>
      events.on('job:complete', ({ error }) => {
        if (error) failed++;
        if (++done === NOOP_JOBS) resolve();
      }),
    );
    const started = performance.now();
    const runner = await run({
      pgPool: pool,
      concurrency: CONCURRENCY,
      noHandleSignals: true,
      pollInterval: 1000,
      taskList: { noop: async () => undefined },
      events,
      logger,
    });
    await drained;
    const ms = performance.now() - started;
    await runner.stop();
    if (failed) throw new Error(`${failed} no-op jobs failed`);
    return { jobs: NOOP_JOBS, ms };
  } finally {
    await utils.release();
    await pool.end();
  }
}

export default defineBenchCase({
  name: 'ping',
  description: `scheduled ping over every active (demo) database, pings/s vs graphile-worker's no-op job rate (concurrency ${CONCURRENCY})`,
  async run(ctx) {
    const { app } = ctx;
    const active = await countActiveDatabases(app.metabase);
    // Generated metabase rows (the search case) have no tenant behind them: run this case before it.
    if (active > 1000) throw new Error(`ping: ${active} active databases; run it apart from the search case`);

    await pingDueDatabases(app, active, CONCURRENCY);
    const since = new Date();
    const started = performance.now();
    let pings = 0;
    for (let r = 0; r < ROUNDS; r++) pings += (await pingDueDatabases(app, active, CONCURRENCY)).length;
    const pingMs = performance.now() - started;
    const ko = (
      await sql<{
        n: string;
      }>`SELECT count(*) AS n FROM database_ping WHERE at >= ${since} AND status = 'KO'`.execute(app.metabase)
    ).rows[0].n;

    const noop = await noopJobRate(ctx);
    return [
      {
        subject: `scheduled ping, ${active} databases × ${ROUNDS} rounds`,
        value: { rate: (pings * 1000) / pingMs, per: 'pings/s' },
        note: `${pings} pings in ${(pingMs / 1000).toFixed(2)} s, ${ko} KO`,
        baseline: {
          subject: `no-op graphile-worker jobs (${noop.jobs})`,
          value: { rate: (noop.jobs * 1000) / noop.ms, per: 'jobs/s' },
        },
      },
    ];
  },
});
