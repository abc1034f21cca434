import pino from 'pino';
import { loadConfig } from '../src/config/config.js';
import { startPlatform } from '../src/platform.js';

/**
 * The mail relay alone in a process of its own, as production runs it beside the console (not
 * in the bench's process, whose clients and upstream would share its event loop): it attaches
 * to the bench's running clusters (DBTOOLS_DATA_DIR, durability on), starts the relay, writes
 * `{"port": …}` as one line on stdout and runs until SIGTERM. `node --cpu-prof` profiles it.
 */
async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, DBTOOLS_CONFIG: '' });
  const platform = await startPlatform(config, { durable: true, log: pino({ level: 'warn' }) });
  const relay = await platform.startRelay();
  process.stdout.write(`${JSON.stringify({ port: relay.address.port })}\n`);
  process.once('SIGTERM', () => {
    // The clusters belong to the bench's process: only this process's relay and pools stop.
    void platform.close({ keepClusters: true }).then(() => process.exit(0));
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`relay process failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
