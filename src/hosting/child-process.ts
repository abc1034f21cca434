import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Variables added to the base environment; `undefined` takes a base variable out. */
export type ChildEnv = Record<string, string | undefined>;

/**
 * The environment a child starts from: where to find programs, and the C locale (messages we
 * can quote, no locale-dependent parsing). Nothing else of ours: the platform's secrets (the
 * database URLs, the audit key, the superuser's password) reach a child only when its caller
 * passes them, one by one.
 */
export function childEnv(extra: ChildEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** A child that exited other than with 0: the message names it and ends with its stderr's end. */
export class ChildProcessFailed extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (${signal ?? `exit ${code}`}): ${stderr || 'no message'}`);
  }
}

export interface ChildOptions {
  /** Added to childEnv's base. */
  env?: ChildEnv;
  cwd?: string;
  /** The OS user the child runs as (we are root); undefined: as we run. */
  uid?: number;
  gid?: number;
  /** What the error calls the command; the program's file name by default. */
  name?: string;
  /** How much of stderr's end the error keeps. */
  tailChars?: number;
  /** The error a failure becomes, for callers whose callers tell their tool's failures apart. */
  failure?: new (command: string, code: number | null, signal: NodeJS.Signals | null, stderr: string) => Error;
}

function launch(
  command: string,
  args: string[],
  options: ChildOptions,
  io: { stdin: boolean; stdout: boolean },
): { child: ChildProcess; done: Promise<void> } {
  const child = spawn(command, args, {
    env: childEnv(options.env),
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
    stdio: [io.stdin ? 'pipe' : 'ignore', io.stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  const keep = options.tailChars ?? 2000;
  let tail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-keep);
  });
  const Failure = options.failure ?? ChildProcessFailed;
  const name = options.name ?? path.basename(command);
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Failure(name, code, signal, tail.trim()));
    });
  });
  return { child, done };
}

/**
 * Runs a command to its end, without a shell: `stdin` is piped in, `stdout` receives its output
 * (else both are closed). Rejects with the failure's error, or with a stream's when our side of
 * a pipe broke first (the child is then killed).
 */
export async function runChild(
  command: string,
  args: string[],
  options: ChildOptions & { stdin?: Readable; stdout?: Writable } = {},
): Promise<void> {
  const { child, done } = launch(command, args, options, { stdin: !!options.stdin, stdout: !!options.stdout });
  const streams: Promise<void>[] = [];
  if (options.stdin) streams.push(pipeline(options.stdin, child.stdin!));
  if (options.stdout) streams.push(pipeline(child.stdout!, options.stdout));
  try {
    await Promise.all([done, ...streams]);
  } catch (e) {
    child.kill('SIGKILL');
    // A child that stops reading (psql after an error) breaks our pipe: its own message says why.
    await done;
    throw e;
  }
}

/** A started command whose output the caller streams; `done` settles on its exit. */
export interface StartedChild {
  stdout: Readable;
  done: Promise<void>;
  kill(): void;
}

/** Starts a command whose stdout the caller reads (pg_dump into a zip entry or into pg_restore). */
export function startChild(command: string, args: string[], options: ChildOptions = {}): StartedChild {
  const { child, done } = launch(command, args, options, { stdin: false, stdout: true });
  // The caller may learn of a failure from the stream first; `done` is awaited when it matters.
  done.catch(() => undefined);
  return { stdout: child.stdout!, done, kill: () => child.kill('SIGKILL') };
}
