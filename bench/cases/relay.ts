import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import nodemailer, { type Transporter } from 'nodemailer';
import { wireTenantToRelay } from '../../src/mail/relay/credentials.js';
import { findDatabase, updateDatabase } from '../../src/metabase/repositories/databases.js';
import { defaultMailServer } from '../../src/tenant/relay-mail-server.js';
import { defineBenchCase, type BenchRow } from '../context.js';
import { summary } from '../measure.js';

const POOLED_MESSAGES = 400;
const CONCURRENCY = 4;
const SEQUENTIAL_MESSAGES = 200;
const PER_CONNECTION_MESSAGES = 30;
const RATE_GOAL = 0.8;
const ADDED_P50_GOAL_MS = 2;

const message = (i: number) => ({
  from: 'shop@acme-bakery.example',
  to: `customer${i}@example.com`,
  subject: `Invoice ${i}`,
  text: 'Hello from Odoo. '.repeat(100),
});

/** Messages/s of `n` messages sent by `callers` at once, each waiting for its answer before its next. */
async function rate(transport: Transporter, n: number, callers: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < n) await transport.sendMail(message(next++));
    }),
  );
  return (n / (performance.now() - started)) * 1000;
}

async function latencies(transport: Transporter, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await transport.sendMail(message(i));
    out.push(performance.now() - t);
  }
  return out;
}

/** A bench process printing `{"port": …}` as its first line once it listens; `nodeOptions` go before the script. */
async function startListening(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  nodeOptions: string[] = [],
): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...nodeOptions, fileURLToPath(new URL(script, import.meta.url)), ...args],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${script} exited (code ${code}) before listening`))),
  );
  const first = new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  try {
    const line = await Promise.race([first, exited]);
    return { port: (JSON.parse(line) as { port: number }).port, child };
  } catch (e) {
    child.kill('SIGTERM');
    throw e;
  }
}

/**
 * The relay in a process of its own (bench/relay-process.ts) on the bench's clusters, forwarding
 * to `smtpUrl`; DBTOOLS_BENCH_RELAY_PROFILE=<folder> writes its CPU profile there at the end.
 */
function startRelayProcess(dataDir: string, smtpUrl: string) {
  const profile = process.env.DBTOOLS_BENCH_RELAY_PROFILE;
  return startListening(
    '../relay-process.ts',
    [],
    { DBTOOLS_DATA_DIR: dataDir, DBTOOLS_SMTP_URL: smtpUrl, DBTOOLS_RELAY_PORT: '0', LOG_LEVEL: 'warn' },
    profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : [],
  );
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function goal(met: boolean, text: string): string {
  return `goal ${text}: ${met ? 'met ✓' : 'not met ✗'}`;
}

export default defineBenchCase({
  name: 'relay',
  description:
    'the relay in its own process (auth, counting, VERP forwarding) vs the same messages straight to the same upstream: ' +
    `${CONCURRENCY} pooled connections, one Odoo worker sending one message at a time (one connection, or one per message), and the added latency`,
  async run(ctx) {
    const { app } = ctx;
    // Both paths end at the same upstream sink, in a process of its own as a real upstream is.
    const upstream = await startListening('../mail-sink-process.ts', [ctx.dataDir], {});
    const transports: Transporter[] = [];
    let relay: Awaited<ReturnType<typeof startRelayProcess>> | undefined;
    try {
      relay = await startRelayProcess(ctx.dataDir, `smtp://127.0.0.1:${upstream.port}`);
      const db = (await findDatabase(app.metabase, 'acme-bakery'))!;
      await updateDatabase(app.metabase, db.name, { email_daily_limit: 1_000_000 });
      await wireTenantToRelay(app, db, { host: '127.0.0.1', port: relay.port });
      const server = (await app.tenants.withTenant(db, defaultMailServer))!;
      const auth = { user: server.smtp_user!, pass: server.smtp_pass! };
      const base = { host: '127.0.0.1', secure: false, ignoreTLS: true } as const;
      // maxMessages: a pooled connection (and its login) is made once, by the warm-up; by default
      // nodemailer reopens each after 100 messages, inside the measured runs.
      const pooled = (max: number) =>
        ({ ...base, pool: true, maxConnections: max, maxMessages: Infinity }) as const;
      const make = (options: object) => {
        const t = nodemailer.createTransport(options);
        transports.push(t);
        return t;
      };
      const paths = {
        pooled: {
          relay: make({ ...pooled(CONCURRENCY), port: relay.port, auth }),
          direct: make({ ...pooled(CONCURRENCY), port: upstream.port }),
        },
        // One Odoo worker's batch: one connection (and one login) for its messages, one at a time.
        oneConnection: {
          relay: make({ ...pooled(1), port: relay.port, auth }),
          direct: make({ ...pooled(1), port: upstream.port }),
        },
        // smtplib's connect, EHLO, AUTH, send, QUIT for each message (Odoo sending one mail at once).
        perMessage: {
          relay: make({ ...base, port: relay.port, auth }),
          direct: make({ ...base, port: upstream.port }),
        },
      };
      // Warm-up: connections, logins, the relay's upstream pool, JIT.
      await rate(paths.pooled.relay, 40, CONCURRENCY);
      await rate(paths.pooled.direct, 40, CONCURRENCY);
      await rate(paths.oneConnection.relay, 20, 1);
      await rate(paths.oneConnection.direct, 20, 1);
      const pooledRelay = await rate(paths.pooled.relay, POOLED_MESSAGES, CONCURRENCY);
      const pooledDirect = await rate(paths.pooled.direct, POOLED_MESSAGES, CONCURRENCY);
      const oneRelay = await rate(paths.oneConnection.relay, SEQUENTIAL_MESSAGES, 1);
      const oneDirect = await rate(paths.oneConnection.direct, SEQUENTIAL_MESSAGES, 1);
      const perRelay = await rate(paths.perMessage.relay, PER_CONNECTION_MESSAGES, 1);
      const perDirect = await rate(paths.perMessage.direct, PER_CONNECTION_MESSAGES, 1);
      const relayLat = summary(await latencies(paths.oneConnection.relay, SEQUENTIAL_MESSAGES));
      const directLat = summary(await latencies(paths.oneConnection.direct, SEQUENTIAL_MESSAGES));
      const added = relayLat.p50 - directLat.p50;
      const rateRow = (subject: string, ours: number, raw: number, note: string): BenchRow => ({
        subject,
        value: { rate: ours, per: 'msg/s' },
        note: `${note}; ${goal(ours / raw >= RATE_GOAL, `≥ ${RATE_GOAL}× direct`)}`,
        baseline: { subject: 'straight to the upstream', value: { rate: raw, per: 'msg/s' } },
      });
      return [
        rateRow(
          'relay process, pooled',
          pooledRelay,
          pooledDirect,
          `${POOLED_MESSAGES} messages of ~1.7 KB over ${CONCURRENCY} connections`,
        ),
        rateRow(
          'relay process, one worker, one connection',
          oneRelay,
          oneDirect,
          `${SEQUENTIAL_MESSAGES} messages one at a time`,
        ),
        rateRow(
          'relay process, one worker, a connection per message',
          perRelay,
          perDirect,
          `${PER_CONNECTION_MESSAGES} messages, each connect + AUTH + send + QUIT (both sides wait smtp-server's 100 ms greeting)`,
        ),
        {
          subject: 'one message through the relay process (sequential, one connection)',
          n: relayLat.n,
          p50: relayLat.p50,
          p99: relayLat.p99,
          baseline: { subject: 'straight to the upstream', p50: directLat.p50, p99: directLat.p99 },
        },
        {
          subject: 'latency the relay adds to one message, p50',
          value: { ms: added },
          note: goal(added <= ADDED_P50_GOAL_MS, `≤ ${ADDED_P50_GOAL_MS} ms`),
        },
      ];
    } finally {
      for (const t of transports) t.close();
      if (relay) await stopProcess(relay.child);
      await stopProcess(upstream.child);
    }
  },
});
