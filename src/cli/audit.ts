import { Command } from 'commander';
import { verifySupportHistory, type HistoryCheck } from '../audit/verify.js';
import { withMetabase } from './agents.js';

function report(check: HistoryCheck): string {
  const lines: string[] = [];
  if (check.intact) {
    const keyed = check.keyedFrom === null ? '' : `; signed with the audit key from entry #${check.keyedFrom}`;
    lines.push(`The support history is intact: ${check.entries} entries; head ${check.head}${keyed}.`);
    lines.push(`${check.heads.published} published heads checked (${check.heads.file}).`);
  } else {
    const { id, database, at, reason } = check.broken;
    const where = database === null ? `published head, ${at.toISOString()}` : `database ${database}, ${at.toISOString()}`;
    lines.push(`The support history is broken at entry #${id} (${where}): ${reason}.`);
  }
  if (check.heads.missing) {
    lines.push(`Warning: no heads file at ${check.heads.file}: removing the newest entries would not show.`);
  }
  if (check.heads.rejectedLines.length) {
    lines.push(`Warning: lines ${check.heads.rejectedLines.join(', ')} of ${check.heads.file} are not heads signed with the audit key (ignored).`);
  }
  return lines.join('\n') + '\n';
}

/** `dbtools audit verify`: an operator command on the metabase, like `dbtools agents`. */
export function auditCommand(): Command {
  const audit = new Command('audit').description('The support history (operators; works on the metabase)');
  audit
    .command('verify')
    .description(
      'Recompute the support history hash chain with the audit key and check the published heads; exit 1 naming the first broken entry',
    )
    .option('--json')
    .action(async (opts: { json?: boolean }) =>
      withMetabase(async ({ app }) => {
        const check = await verifySupportHistory(app.metabase, app.config.audit.headsFile);
        process.stdout.write(opts.json ? JSON.stringify(check, null, 2) + '\n' : report(check));
        if (!check.intact) process.exitCode = 1;
      }),
    );
  return audit;
}
