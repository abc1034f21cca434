import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { withParentDeathSignal } from '../hosting/parent-death.js';
import { logFormat } from '../observability/logger.js';

const HERE = fileURLToPath(import.meta.url);
/**
 * The CLI beside this file: run from TypeScript sources through tsx, or, when this file was built to
 * JavaScript, the built CLI directly (no loader to start: the child is up in a third of the time).
 */
const BUILT = HERE.endsWith('.js');
const CLI = path.join(path.dirname(HERE), '..', 'cli', BUILT ? 'main.js' : 'main.ts');

export interface SpawnedUpgradePlatform {
  url: string;
  /** The CA of its assigned host's certificate, when it made one. */
  caFile?: string;
  child: ChildProcess;
  stop(): Promise<void>;
  /** SIGKILL (a forced stop); its cluster is then the caller's to stop. */
  kill(): Promise<void>;
}

/**
 * Runs `dbtools upgrade-platform` as a child process (the embedded default's upgrade platform):
 * its own process as in production, on loopback, answering at the URL it prints. It exits with
 * its parent: on `stop()`, and when the parent dies (a parent-death signal, or else its stdin closes).
 */
export async function spawnUpgradePlatform(
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<SpawnedUpgradePlatform> {
  // Killed with its parent at once: one still closing down would stop its cluster under the
  // upgrade platform of the parent's next start (its requests table makes a kill safe).
  const { command, args } = await withParentDeathSignal('KILL', process.execPath, [
    ...(BUILT ? [] : ['--import', 'tsx']),
    CLI,
    'upgrade-platform',
  ]);
  const child = spawn(command, args, {
    // Our environment, not hosting/child-process.ts's clean base: this is dbtools itself, which
    // reads its configuration (DBTOOLS_*, UPGRADE_PLATFORM_*) from there as the console does.
    // Its stdout is our pipe, not the terminal: it logs in the format we chose for ours.
    env: {
      ...process.env,
      DBTOOLS_LOG_FORMAT: logFormat(),
      UPGRADE_PLATFORM_HOST: '127.0.0.1',
      UPGRADE_PLATFORM_PORT: '0',
      ...env,
      UPGRADE_PLATFORM_EXIT_WITH_PARENT: '1',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the upgrade platform did not start within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the upgrade platform exited before it started (${signal ?? `exit ${code}`})`));
    });
    // Its log lines (pino JSON) go on to our stdout; the CA and URL lines are ours to read.
    let caFile: string | undefined;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ca = /^Upgrade platform CA: (\S+)$/.exec(line);
      if (ca) {
        caFile = ca[1];
        return;
      }
      const m = /^Upgrade platform: (http:\/\/\S+)$/.exec(line);
      if (!m) {
        process.stdout.write(line + '\n');
        return;
      }
      clearTimeout(timer);
      resolve({ url: m[1], caFile, child, stop, kill });
    });
  });
}
