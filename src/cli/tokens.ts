import { Command } from 'commander';
import type { ApiClient } from './client.js';

interface Output {
  print(value: unknown, json: boolean, human: () => string): void;
  table(rows: Record<string, unknown>[], columns: string[]): string;
}

/** `dbtools tokens list|create|revoke`: the caller's own API tokens, through the API. */
export function tokensCommand(client: () => Promise<ApiClient>, out: Output): Command {
  const tokens = new Command('tokens').description('Your API tokens: list, create (shown once), revoke');
  tokens
    .command('list')
    .description('Your tokens: id, name, created, last used, expires (never the secret)')
    .option('--json')
    .action(async (opts: { json?: boolean }) => {
      const res = await (await client()).call('GET /api/tokens');
      out.print(res.tokens, !!opts.json, () =>
        out.table(res.tokens as unknown as Record<string, unknown>[], ['id', 'name', 'createdAt', 'lastUsedAt', 'expiresAt']),
      );
    });
  tokens
    .command('create <name>')
    .description('Create a token for a script; it is printed once')
    .option('--days <n>', 'days it lives (default: the server’s, 90)')
    .option('--json')
    .action(async (name: string, opts: { days?: string; json?: boolean }) => {
      const res = await (await client()).call('POST /api/tokens', {
        body: { name, ...(opts.days !== undefined ? { expiresInDays: opts.days } : {}) },
      });
      out.print(res, !!opts.json, () => `${res.token}\n(token #${res.id} "${res.name}", expires ${res.expiresAt}; shown once)`);
    });
  tokens
    .command('revoke <id>')
    .description('Revoke one of your tokens: it stops working at once')
    .option('--json')
    .action(async (id: string, opts: { json?: boolean }) => {
      const res = await (await client()).call('DELETE /api/tokens/:id', { params: { id } });
      out.print(res.revoked, !!opts.json, () => `Revoked token #${res.revoked.id} "${res.revoked.name}".`);
    });
  return tokens;
}
