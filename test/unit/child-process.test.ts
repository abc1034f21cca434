import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { ChildProcessFailed, childEnv, runChild, startChild } from '../../src/hosting/child-process.js';

describe('child processes', () => {
  it('a child sees the base environment and what its caller passes, none of ours', async () => {
    process.env.DBTOOLS_TEST_SECRET = 'not for children';
    try {
      const out = new PassThrough();
      const read = text(out);
      await runChild('env', [], { env: { PGPASSWORD: 'given' }, stdout: out });
      const vars = (await read).trim().split('\n').map((l) => l.split('=')[0]).sort();
      expect(vars).toEqual(['LC_ALL', 'PATH', 'PGPASSWORD']);
    } finally {
      delete process.env.DBTOOLS_TEST_SECRET;
    }
  });

  it('an undefined variable takes a base one out', () => {
    expect(childEnv({ LC_ALL: undefined, LANG: 'C.UTF-8' })).toEqual({ PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' });
  });

  it('a failure names the command, its exit and the end of its stderr', async () => {
    const failed = await runChild('sh', ['-c', 'echo early >&2; echo "the reason" >&2; exit 3'], { name: 'the check', tailChars: 11 }).catch(
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(ChildProcessFailed);
    expect(failed).toMatchObject({ command: 'the check', code: 3, message: 'the check failed (exit 3): the reason' });
  });

  it('stdin is piped in and a started child streams its stdout', async () => {
    const out = new PassThrough();
    const read = text(out);
    await runChild('cat', [], { stdin: Readable.from(['one ', 'two']), stdout: out });
    expect(await read).toBe('one two');
    const started = startChild('echo', ['streamed']);
    expect(await text(started.stdout)).toBe('streamed\n');
    await started.done;
  });
});
