import { Command } from 'commander';
import { autoRaiseEmailLimits } from '../mail/relay/auto-raise.js';
import { withMetabase } from './agents.js';

/** Operators (and tests): run the nightly automatic change of e-mail limits now, on the metabase. */
export function emailCommand(): Command {
  const email = new Command('email').description(
    'E-mail limits of the platform (operators, on the metabase)',
  );
  email
    .command('auto-raise')
    .description(
      'Raise green databases a step, lower red ones, leave orange and pinned ones (the nightly job, now)',
    )
    .option('--json', 'print the changes as JSON')
    .action(async (opts: { json?: boolean }) => {
      const changes = await withMetabase((p) => autoRaiseEmailLimits(p.app));
      if (opts.json) process.stdout.write(JSON.stringify(changes, null, 2) + '\n');
      else {
        for (const c of changes) process.stdout.write(`${c.database}: ${c.from} → ${c.to} (${c.reason})\n`);
        process.stdout.write(`${changes.length} limit(s) changed\n`);
      }
    });
  return email;
}
