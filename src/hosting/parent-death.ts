import { access } from 'node:fs/promises';

const SETPRIV = '/usr/bin/setpriv';

/**
 * The command line that runs `command args` with a parent-death signal (util-linux's setpriv sets
 * it before it execs the command): a platform process killed outright (SIGKILL, OOM) takes that
 * child along at once instead of leaving it orphaned or still shutting down when the next platform
 * process starts. Without setpriv, the command as it is.
 */
export async function withParentDeathSignal(
  signal: 'KILL' | 'QUIT' | 'TERM',
  command: string,
  args: string[],
): Promise<{ command: string; args: string[] }> {
  const available = await access(SETPRIV).then(
    () => true,
    () => false,
  );
  return available ? { command: SETPRIV, args: ['--pdeathsig', signal, command, ...args] } : { command, args };
}
