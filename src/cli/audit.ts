import { Command } from 'commander';
import { verifySupportHistory } from '../audit/verify.js';
import { withMetabase } from './agents.js';

/** `dbtools audit verify`: an operator command on the metabase, like `dbtools agents`. */
export function auditCommand(): Command {
  const audit = new Command('audit').description('The support history (operators; works on the metabase)');
  audit
    .command('verify')
    .description('Recompute the support history hash chain; exit 1 naming the first broken entry')
    .option('--json')
    .action(async (opts: { json?: boolean }) =>
      withMetabase(async ({ app }) => {
        const check = await verifySupportHistory(app.metabase);
        if (opts.json) process.stdout.write(JSON.stringify(check, null, 2) + '\n');
        else if (check.intact) process.stdout.write(`The support history is intact: ${check.entries} entries; head ${check.head}.\n`);
        else {
          const { id, database, at, reason } = check.broken;
          process.stdout.write(
            `The support history is broken at entry #${id} (database ${database}, ${at.toISOString()}): ${reason}.\n`,
          );
        }
        if (!check.intact) process.exitCode = 1;
      }),
    );
  return audit;
}
