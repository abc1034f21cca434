import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * git as a developer or a deploy runs it in a test's own repositories: none of the machine's
 * config (hooks, signing, aliases), a fixed author. Answers git's output.
 */
export async function gitIn(
  dir: string,
  args: string[],
  authorDate?: string,
): Promise<{ stdout: string; stderr: string }> {
  return run('git', ['-C', dir, ...args], {
    env: {
      PATH: process.env.PATH,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Runbot',
      GIT_AUTHOR_EMAIL: 'runbot@example.com',
      ...(authorDate && { GIT_AUTHOR_DATE: authorDate }),
      GIT_COMMITTER_NAME: 'Runbot',
      GIT_COMMITTER_EMAIL: 'runbot@example.com',
    },
  });
}
