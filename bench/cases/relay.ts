import nodemailer, { type Transporter } from 'nodemailer';
import { startMailCatcher } from '../../src/mail/catcher.js';
import { wireTenantToRelay } from '../../src/mail/relay/credentials.js';
import { startMailRelay } from '../../src/mail/relay/start.js';
import { findDatabase, updateDatabase } from '../../src/metabase/repositories/databases.js';
import { defaultMailServer } from '../../src/tenant/relay-mail-server.js';
import { defineBenchCase } from '../context.js';
import { summary } from '../measure.js';

const MESSAGES = 400;
const LATENCY_SAMPLES = 200;
const CONCURRENCY = 4;

const message = (i: number) => ({
  from: 'shop@acme-bakery.example',
  to: `customer${i}@example.com`,
  subject: `Invoice ${i}`,
  text: 'Hello from Odoo. '.repeat(100),
});

async function rate(transport: Transporter, n: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
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

export default defineBenchCase({
  name: 'relay',
  description: `messages/s through the relay (auth, counting, VERP forwarding) vs the same messages straight to the upstream catcher (${CONCURRENCY} connections), and the added latency`,
  async run(ctx) {
    const { app } = ctx;
    // Both paths end at the same upstream: a catcher of their own.
    const upstream = await startMailCatcher(ctx.dataDir);
    app.config.smtpUrl = `smtp://127.0.0.1:${upstream.port}`;
    const relay = await startMailRelay(app);
    try {
      const db = (await findDatabase(app.metabase, 'acme-bakery'))!;
      await updateDatabase(app.metabase, db.name, { email_daily_limit: 1_000_000 });
      await wireTenantToRelay(app, db, relay.address);
      const server = (await app.tenants.withTenant(db, defaultMailServer))!;
      // maxMessages: the connections (and their argon2 logins) are made once, by the warm-up; by
      // default nodemailer reopens each after 100 messages, inside the measured runs.
      const common = {
        host: '127.0.0.1',
        secure: false,
        ignoreTLS: true,
        pool: true,
        maxConnections: CONCURRENCY,
        maxMessages: Infinity,
      } as const;
      const viaRelay = nodemailer.createTransport({
        ...common,
        port: relay.address.port,
        auth: { user: server.smtp_user!, pass: server.smtp_pass! },
      });
      const direct = nodemailer.createTransport({ ...common, port: upstream.port });
      await rate(viaRelay, 20); // warm-up: connections, argon2 logins
      await rate(direct, 20);
      const relayRate = await rate(viaRelay, MESSAGES);
      const directRate = await rate(direct, MESSAGES);
      const relayLat = summary(await latencies(viaRelay, LATENCY_SAMPLES));
      const directLat = summary(await latencies(direct, LATENCY_SAMPLES));
      viaRelay.close();
      direct.close();
      return [
        {
          subject: 'through the relay',
          value: { rate: relayRate, per: 'msg/s' },
          note: `${MESSAGES} messages of ~1.7 KB, goal ≥ 0.8× direct`,
          baseline: { subject: 'straight to the upstream', value: { rate: directRate, per: 'msg/s' } },
        },
        {
          subject: 'one message through the relay (sequential)',
          n: relayLat.n,
          p50: relayLat.p50,
          p99: relayLat.p99,
          baseline: { subject: 'straight to the upstream', p50: directLat.p50, p99: directLat.p99 },
        },
      ];
    } finally {
      await relay.close();
      await upstream.close();
      app.config.smtpUrl = undefined;
    }
  },
});
