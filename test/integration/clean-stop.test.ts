import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopClusterAt } from '../../src/hosting/cluster.js';
import { testEnv } from '../support/env.js';
import { AgentSession } from '../support/http.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

let dataDir: string;
let port: number;

/** Where `npm start` keeps its four clusters (the metabase's, local, local2, the upgrade platform's). */
const clusterDirs = () => ['metabase/pg', 'pg', 'hosting/local2/pg', 'upgrade-platform/pg'].map((d) => path.join(dataDir, d));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `npm start` as a person runs it in a terminal: its own process group (a terminal's foreground
 * job, which Ctrl-C signals as a whole), on this test's data folder and ports.
 */
async function npmStart(): Promise<Started> {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      ...testEnv(dataDir, { LOG_LEVEL: 'info', DBTOOLS_LOG_FORMAT: 'json' }),
      PORT: String(port),
      DBTOOLS_DEMO_MAIL: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 240_000;
  while (!output.includes('dbtools console:')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, output: () => output, exited };
}

/** What Ctrl-C does: the signal to every process of the terminal's foreground group. */
function ctrlC(started: Started): void {
  process.kill(-started.child.pid!, 'SIGINT');
}

/** Every live process whose command line or process group says it is this start's. */
async function leftovers(group: number): Promise<string[]> {
  const out: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ').trim();
    if (!stat || !cmdline) continue;
    // Field 5 of stat, counted after the command's closing parenthesis (the name may hold spaces).
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    if (pgrp === group || cmdline.includes(dataDir)) out.push(`${pid}: ${cmdline}`);
  }
  // pebble and its DNS run in a session of their own and name only their config: their pids are in the state file.
  const state = await readFile(path.join(dataDir, 'demo-acme', 'state.json'), 'utf8').then(
    (t) => JSON.parse(t) as { pids: number[] },
    () => ({ pids: [] }),
  );
  for (const pid of state.pids) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('pebble')) out.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return out;
}

/** The clusters whose postmaster still runs (PostgreSQL removes postmaster.pid when it stops). */
async function runningClusters(): Promise<string[]> {
  const out: string[] = [];
  for (const dir of clusterDirs()) {
    const pidFile = await readFile(path.join(dir, 'data', 'postmaster.pid'), 'utf8').catch(() => undefined);
    if (pidFile !== undefined) out.push(`${path.relative(dataDir, dir)} (postmaster ${pidFile.split('\n')[0]})`);
  }
  return out;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dbtools-stop-'));
  await chmod(dataDir, 0o755);
  port = await freePort();
});

afterAll(async () => {
  // A failed test may have left some: stop them, so the machine is as before.
  for (const dir of clusterDirs()) await stopClusterAt(dir, 'immediate');
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

describe('stopping npm start', () => {
  it('Ctrl-C stops every process and cluster npm start started, in order, even with a log tail open', async () => {
    const started = await npmStart();
    expect(await runningClusters()).toHaveLength(4);
    // An agent following the live log: the stream never ends on its own.
    const agent = await AgentSession.login('technical', undefined, `http://127.0.0.1:${port}`);
    const tail = await fetch(`http://127.0.0.1:${port}/api/logs/local/tail`, { headers: { cookie: agent.cookie } });
    expect(tail.status).toBe(200);
    const reading = tail.body!.getReader().read();

    ctrlC(started);
    const exit = await Promise.race([started.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 90_000))]);
    expect(exit, started.output().slice(-3000)).not.toBe('hung');
    await reading.catch(() => undefined);
    expect(await leftovers(started.child.pid!)).toEqual([]);
    expect(await runningClusters()).toEqual([]);
    // In order, the clusters last, and a clean exit.
    const steps = [...started.output().matchAll(/"msg":"stopped ([^"]+)"/g)].map((m) => m[1]);
    expect(steps).toEqual([
      'the console (HTTP)',
      'the demo log writers and mail traffic',
      'the job worker and the mail relay',
      'the front ends (nginx)',
      'the demo CA and DNS (pebble)',
      'the upgrade platform and its cluster',
      'the PostgreSQL clusters',
    ]);
    expect(started.output()).toContain('"msg":"stopped"');
  }, 360_000);

  it('a second Ctrl-C forces the stop, and still leaves nothing running', async () => {
    // The same data folder: the start after a clean stop finds nothing left over and comes up.
    const started = await npmStart();
    expect(await runningClusters()).toHaveLength(4);
    // A log tail holds the first step (the console) for its 5 s: the second press comes meanwhile.
    const agent = await AgentSession.login('technical', undefined, `http://127.0.0.1:${port}`);
    const tail = await fetch(`http://127.0.0.1:${port}/api/logs/local/tail`, { headers: { cookie: agent.cookie } });
    expect(tail.status).toBe(200);
    ctrlC(started);
    // A person's second press, not the same one relayed by npm and tsx.
    await new Promise((r) => setTimeout(r, 1_500));
    ctrlC(started);
    const exit = await Promise.race([started.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    expect(exit, started.output().slice(-3000)).not.toBe('hung');
    expect(started.output()).toContain('forcing the stop');
    expect(await leftovers(started.child.pid!)).toEqual([]);
    expect(await runningClusters()).toEqual([]);
  }, 360_000);
});
