import { realpath, stat } from 'node:fs/promises';
import { PorcelainV2Reader } from './porcelain.js';
import type { GitRepo } from './repositories.js';
import { runGit, type GitRun } from './run-git.js';
import type { GitRepoStatus } from './status-schema.js';

export interface GitStatusOptions {
  /** A status of a big checkout on a cold cache takes a few seconds; a hung NFS mount never ends. */
  timeoutMs?: number;
  /** How many changed files to keep (all are counted). */
  keepFiles?: number;
}

export const GIT_TIMEOUT_MS = 10_000;

/** Reads one checkout with `git status --porcelain=v2` and `git log -1`, run side by side. */
export async function readGitStatus(
  repo: GitRepo,
  dir: string | undefined,
  options: GitStatusOptions = {},
): Promise<GitRepoStatus> {
  if (!dir) return { repo, error: 'No folder is configured for this repository on this server.' };
  const timeoutMs = options.timeoutMs ?? GIT_TIMEOUT_MS;
  const folder = await folderWithin(dir, timeoutMs);
  if ('error' in folder) return { repo, error: folder.error };
  const real = folder.real;
  const reader = new PorcelainV2Reader(options.keepFiles);
  const [status, log] = await Promise.all([
    runGit(real, ['status', '--porcelain=v2', '--branch', '--untracked-files=all', '-z'], {
      timeoutMs,
      onStdout: (c) => reader.push(c),
    }),
    runGit(real, ['log', '-1', '--no-show-signature', '--format=%h%x00%aI%x00%s'], { timeoutMs }),
  ]);
  const failure = gitFailure(dir, status, timeoutMs) ?? gitFailure(dir, log, timeoutMs);
  if (failure) return { repo, error: failure };
  const parsed = reader.end();
  const [commit, date, subject] = log.stdout.replace(/\n$/, '').split('\0');
  if (!commit || !date) return { repo, error: 'git answered without a commit.' };
  return {
    repo,
    commit,
    subject: subject ?? '',
    date,
    branch: parsed.branch,
    upstream: parsed.upstream,
    changes: { count: parsed.count, files: parsed.files },
  };
}

/**
 * The checkout's real path (safe.directory compares with the path git computes, symlinks
 * resolved), or why there is none. A stalled network mount can hang a stat forever: the page
 * answers at the timeout all the same.
 */
async function folderWithin(dir: string, timeoutMs: number): Promise<{ real: string } | { error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<{ error: string }>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          error: `The folder ${dir} did not answer within ${formatSeconds(timeoutMs)}: its disk may be stalled.`,
        }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([resolveFolder(dir), stalled]);
  } finally {
    clearTimeout(timer);
  }
}

async function resolveFolder(dir: string): Promise<{ real: string } | { error: string }> {
  try {
    if (!(await stat(dir)).isDirectory()) return { error: `${dir} is not a folder.` };
    return { real: await realpath(dir) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { error: `The folder ${dir} does not exist.` };
    if (code === 'EACCES') return { error: `The folder ${dir} cannot be read (permission denied).` };
    return { error: `The folder ${dir} cannot be read (${code ?? (e as Error).message}).` };
  }
}

/** A failed git run, in words; undefined when it succeeded. */
function gitFailure(dir: string, run: GitRun, timeoutMs: number): string | undefined {
  if (run.timedOut)
    return `git did not answer within ${formatSeconds(timeoutMs)}: the checkout may be on a stalled disk or locked.`;
  if (run.spawnError) {
    return run.spawnError.code === 'ENOENT'
      ? 'git is not installed where dbtools runs.'
      : `git could not be started (${run.spawnError.code ?? run.spawnError.message}).`;
  }
  if (run.code === 0) return undefined;
  const message = fatalLine(run.stderr);
  if (/not a git repository/i.test(message)) return `The folder ${dir} is not a git repository.`;
  if (/does not have any commits yet|bad default revision 'HEAD'/i.test(message))
    return `The repository in ${dir} has no commit yet.`;
  return `git failed${run.code === null ? '' : ` (exit ${run.code})`}: ${message || 'no message'}.`;
}

function fatalLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const fatal = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? '';
  return fatal.replace(/^(fatal|error):\s*/, '').replace(/\.$/, '');
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s === 1 ? '1 second' : `${s} seconds`;
}
