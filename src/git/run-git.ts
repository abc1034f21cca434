import { spawn } from 'node:child_process';
import path from 'node:path';
import { childEnv } from '../hosting/child-process.js';

export interface GitRun {
  /** Exit code; null when killed or never started. */
  code: number | null;
  stdout: string;
  /** The first few KB: enough for git's one-line fatal messages. */
  stderr: string;
  timedOut: boolean;
  /** git could not be started at all (not installed: ENOENT). */
  spawnError?: NodeJS.ErrnoException;
}

export interface GitRunOptions {
  timeoutMs: number;
  /** Streams stdout to the caller instead of collecting it (large status outputs). */
  onStdout?: (chunk: string) => void;
}

const STDERR_KEEP = 4096;
/** What a collected stdout may hold: `log -1` prints one line; a bigger answer is not git's. */
const STDOUT_KEEP = 64 * 1024;

/**
 * The environment git runs with: none of the platform's (its database URLs and secrets stay
 * out), no system or global config (the operator's aliases or `status.*` settings must not
 * change what we parse), no repository discovery above `dir` (a missing checkout inside another
 * repository must read as "not a repository", not as its parent), and no optional locks: a
 * status must never take the index lock a deploy running at that moment needs.
 */
function gitEnv(dir: string): NodeJS.ProcessEnv {
  return childEnv({
    GIT_OPTIONAL_LOCKS: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CEILING_DIRECTORIES: path.dirname(dir),
    GIT_TERMINAL_PROMPT: '0',
  });
}

/**
 * Runs `git -C dir args...` without a shell. `safe.directory` lets us read a checkout owned by
 * the deploy user (git refuses another owner's repository otherwise); the checkouts are the
 * platform's own code, so their config is trusted. git runs in its own process group so a
 * timeout kills what it started too (a filter or hook holding our pipes open). Its own spawn
 * rather than hosting/child-process.ts's runChild: a git that fails is an answer here (its exit
 * code and stderr are parsed, not thrown), its stdout is collected or streamed, and it has a timeout.
 */
export function runGit(dir: string, args: string[], options: GitRunOptions): Promise<GitRun> {
  return new Promise((resolve) => {
    const child = spawn(
      'git',
      ['-c', `safe.directory=${dir}`, '-c', 'core.fsmonitor=false', '-C', dir, ...args],
      { env: gitEnv(dir), stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: '/' },
    );
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let settled = false;
    let lastResort: NodeJS.Timeout | undefined;
    const finish = (code: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(lastResort);
      resolve({ code, stdout, stderr, timedOut, spawnError });
    };
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
      // A grandchild that left the group could keep the pipes open: answer anyway.
      lastResort = setTimeout(() => finish(null), 1000);
    }, options.timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (options.onStdout) options.onStdout(chunk);
      else if (stdout.length < STDOUT_KEEP) stdout += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < STDERR_KEEP) stderr += chunk;
    });
    child.on('error', (e) => {
      spawnError = e;
      finish(null);
    });
    child.on('close', (code) => finish(code));
  });
}
