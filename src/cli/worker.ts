import { Command } from 'commander';
import { createLogger } from '../observability/logger.js';
import { loadConfig } from '../config/config.js';
import { startPlatform } from '../platform.js';

/**
 * `dbtools worker`: the job queue's worker and the schedules, alone in a process (no HTTP, no
 * demo seeding), against the same metabase as the server (DBTOOLS_METABASE_URL, or the embedded
 * default's in DBTOOLS_DATA_DIR). Several run side by side, one per hosting host: graphile-worker
 * locks each job to one of them and fires each schedule once, and a worker that dies has its job
 * resumed by another one's heartbeat sweep.
 */
async function runWorker(opts: { concurrency: string }): Promise<void> {
  const concurrency = Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a whole number ≥ 1, got "${opts.concurrency}"`);
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const platform = await startPlatform(config, { log });
  await platform.startWorker({ concurrency });
  const where = config.metabaseUrl ? 'the metabase at DBTOOLS_METABASE_URL' : `the embedded metabase in ${config.dataDir}`;
  process.stdout.write(`dbtools worker ${process.pid}: running jobs and schedules (concurrency ${concurrency}) on ${where}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'worker stopping: its running jobs are resumed by another worker');
    // The embedded clusters are shared with the server (and other workers): a worker never stops them.
    await platform.close({ keepClusters: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('Run the job worker and the schedules in this process (no HTTP); several processes share the queue')
    .option('--concurrency <n>', 'jobs this process runs at once', '2')
    .action(runWorker);
}
