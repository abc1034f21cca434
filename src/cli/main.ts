import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { ApiError, cliClient, loginForToken, type ApiClient } from './client.js';
import { agentsCommand } from './agents.js';
import { auditCommand } from './audit.js';
import { tokensCommand } from './tokens.js';
import { emailCommand } from './email.js';
import { demoCommand } from './demo-dns.js';
import { workerCommand } from './worker.js';
import { upgradePlatformCommand } from './upgrade-platform.js';

const tokenFile = path.join(process.env.XDG_CONFIG_HOME ?? path.join(homedir(), '.config'), 'dbtools', 'token.json');

async function savedToken(): Promise<{ url: string; token: string } | undefined> {
  return readFile(tokenFile, 'utf8')
    .then((t) => JSON.parse(t) as { url: string; token: string })
    .catch(() => undefined);
}

async function client(): Promise<ApiClient> {
  const saved = await savedToken();
  const url = process.env.DBTOOLS_URL || (saved?.url ?? 'http://127.0.0.1:8080');
  const token = process.env.DBTOOLS_TOKEN || (saved?.url === url ? saved.token : undefined);
  if (!token) throw new ApiError(401, 'unauthenticated', 'No API token: run `dbtools login` or set DBTOOLS_TOKEN.');
  return cliClient(url, token);
}

function print(value: unknown, json: boolean, human: () => string): void {
  process.stdout.write((json ? JSON.stringify(value, null, 2) : human()) + '\n');
}

function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}

/** `key=value` pairs; values that read as JSON (numbers, booleans) are sent as such. */
export function parsePairs(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new ApiError(400, 'bad_request', `"${pair}" is not key=value`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    if (/^(true|false|null|-?\d+(\.\d+)?)$/.test(raw)) value = JSON.parse(raw);
    out[pair.slice(0, eq)] = value;
  }
  return out;
}

const program = new Command('dbtools').description('Support console for hosted Odoo databases');

program
  .command('login [login]')
  .description('Log in and keep an API token for the next commands')
  .action(async (login?: string) => {
    const url = process.env.DBTOOLS_URL || 'http://127.0.0.1:8080';
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const user = login ?? (await rl.question('Login: '));
    const password = process.env.DBTOOLS_PASSWORD || (await rl.question('Password: '));
    rl.close();
    const token = await loginForToken(url, user, password, `cli@${hostname()}`);
    await mkdir(path.dirname(tokenFile), { recursive: true });
    await writeFile(tokenFile, JSON.stringify({ url, token }), { mode: 0o600 });
    process.stdout.write(`Logged in to ${url} as ${user}; token saved in ${tokenFile}\n`);
  });

program
  .command('databases [query]')
  .description('Search databases by name, uuid prefix or subscription code')
  .option('--mode <mode>')
  .option('--status <status>')
  .option('--server <server>')
  .option('--limit <n>', 'how many', '50')
  .option('--json')
  .action(async (query: string | undefined, opts: { mode?: string; status?: string; server?: string; limit: string; json?: boolean }) => {
    const res = await (await client()).call('GET /api/databases', {
      query: {
        q: query || undefined,
        // Typed on the command line: the server refuses a mode it does not know, and says why.
        mode: (opts.mode || undefined) as 'trial' | 'paid' | 'drop' | undefined,
        status: opts.status || undefined,
        server: opts.server || undefined,
        limit: opts.limit,
      },
    });
    print(res.items, !!opts.json, () => table(res.items, ['name', 'mode', 'status', 'version', 'expire_date', 'duplicate_of']));
  });

program
  .command('show <name>')
  .description('The Tools page of a database')
  .option('--json')
  .action(async (name: string, opts: { json?: boolean }) => {
    const page = await (await client()).call('GET /api/databases/:name', { params: { name } });
    print(page, !!opts.json, () =>
      [
        `${page.database.name}  (your level: ${page.level.name})`,
        ...Object.entries(page.database).map(([k, v]) => `  ${k}: ${v === null ? '' : String(v)}`),
        `Tools: ${Object.keys(page.tools).join(', ') || 'none'}`,
      ].join('\n'),
    );
  });

program
  .command('run <name> <operation> [pairs...]')
  .description('Run an operation: dbtools run acme-bakery extend-trial until=2027-01-31')
  .option('--json')
  .action(async (name: string, operation: string, pairs: string[], opts: { json?: boolean }) => {
    const res = await (await client()).call('POST /api/databases/:name/operations/:operation', {
      params: { name, operation },
      body: parsePairs(pairs),
    });
    print(res, !!opts.json, () => JSON.stringify(res, null, 2));
  });

program
  .command('history <name>')
  .description('Support operations history of a database')
  .option('--page <n>', 'page', '1')
  .option('--json')
  .action(async (name: string, opts: { page: string; json?: boolean }) => {
    const res = await (await client()).call('GET /api/databases/:name/support-logs', { params: { name }, query: { page: opts.page } });
    print(res, !!opts.json, () =>
      table(res.entries, ['at', 'agent_login', 'operation', 'outcome', 'message']) + `\npage ${res.page}/${res.pages}`,
    );
  });

program.addCommand(agentsCommand());
program.addCommand(auditCommand());
program.addCommand(tokensCommand(client, { print, table }));
program.addCommand(emailCommand());
program.addCommand(demoCommand());
program.addCommand(workerCommand());
program.addCommand(upgradePlatformCommand());

program.parseAsync().catch((e: unknown) => {
  process.stderr.write(`dbtools: ${(e as Error).message}\n`);
  process.exit(e instanceof ApiError && e.status === 401 ? 2 : 1);
});
