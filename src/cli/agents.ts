import { Command } from 'commander';
import pino from 'pino';
import { hashPassword } from '../agents/password.js';
import { loadConfig } from '../config/config.js';
import { listAgents, updateAgent, upsertAgent } from '../metabase/repositories/agents.js';
import { deleteSessionsOfAgent } from '../metabase/repositories/sessions.js';
import { startPlatform } from '../platform.js';

/**
 * Operators manage agents on the metabase itself (the first agent cannot come through the
 * API): the same DBTOOLS_DATA_DIR or DBTOOLS_METABASE_URL as the server.
 */
export async function withMetabase<T>(fn: (p: Awaited<ReturnType<typeof startPlatform>>) => Promise<T>): Promise<T> {
  const platform = await startPlatform(loadConfig(), { log: pino({ level: 'warn' }) });
  try {
    return await fn(platform);
  } finally {
    await platform.app.metabase.destroy();
    // The embedded clusters may be the running server's: stop only those we started.
    for (const c of platform.clusters) if (c.startedHere) await c.stop();
  }
}

function level(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Level must be a whole number, got "${value}"`);
  return n;
}

export function agentsCommand(): Command {
  const agents = new Command('agents').description('Manage support agents (operators; works on the metabase)');
  agents
    .command('list')
    .option('--json')
    .action(async (opts: { json?: boolean }) =>
      withMetabase(async ({ app }) => {
        const rows = (await listAgents(app.metabase)).map(({ password_hash: _h, ...a }) => a);
        process.stdout.write(
          (opts.json ? JSON.stringify(rows, null, 2) : rows.map((a) => `${a.login}\t${a.level}\t${a.disabled ? 'disabled' : ''}`).join('\n')) + '\n',
        );
      }),
    );
  agents
    .command('add <login> <level>')
    .option('--name <name>')
    .description('Add an agent; the password comes from DBTOOLS_AGENT_PASSWORD')
    .action(async (login: string, lvl: string, opts: { name?: string }) =>
      withMetabase(async ({ app }) => {
        const password = process.env.DBTOOLS_AGENT_PASSWORD;
        if (!password || password.length < 8) throw new Error('Set DBTOOLS_AGENT_PASSWORD (8 characters at least).');
        await upsertAgent(app.metabase, { login, name: opts.name ?? login, level: level(lvl), password_hash: await hashPassword(password) });
        process.stdout.write(`Agent ${login} has level ${lvl}\n`);
      }),
    );
  agents.command('set-level <login> <level>').action(async (login: string, lvl: string) =>
    withMetabase(async ({ app }) => {
      if (!(await updateAgent(app.metabase, login, { level: level(lvl) }))) throw new Error(`No agent ${login}`);
      process.stdout.write(`Agent ${login} has level ${lvl}\n`);
    }),
  );
  agents.command('disable <login>').action(async (login: string) =>
    withMetabase(async ({ app }) => {
      if (!(await updateAgent(app.metabase, login, { disabled: true }))) throw new Error(`No agent ${login}`);
      await deleteSessionsOfAgent(app.metabase, login);
      process.stdout.write(`Agent ${login} is disabled\n`);
    }),
  );
  return agents;
}
