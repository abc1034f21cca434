import { startMailCatcher } from '../src/mail/catcher.js';

/**
 * The upstream both paths of the relay bench end at (the platform's own catcher: it parses and
 * keeps each message), in a process of its own as a real upstream is: neither the relay nor the
 * direct clients share its event loop. Writes `{"port": …}` on stdout; runs until SIGTERM.
 */
async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: mail-sink-process.ts <folder>');
  const sink = await startMailCatcher(dir);
  // The catcher does not hold its process open (it lives beside the console's other work): this does.
  const alive = setInterval(() => undefined, 60_000);
  process.stdout.write(`${JSON.stringify({ port: sink.port })}\n`);
  process.once('SIGTERM', () => {
    clearInterval(alive);
    void sink.close().then(() => process.exit(0));
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`mail sink process failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
