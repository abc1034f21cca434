import http from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { LOGS_MAX_FAILURES_PER_ADDRESS, LOGS_MAX_FAILURES_PER_SERVER } from '../../src/logs/download.js';
import { dayFileName } from '../../src/logs/layout.js';
import { rotateLogPassword } from '../../src/logs/password.js';
import {
  RELAY_MAX_FAILURES_PER_ADDRESS,
  RELAY_MAX_FAILURES_PER_LOGIN,
  wireTenantToRelay,
} from '../../src/mail/relay/credentials.js';
import { startMailRelay, type MailRelay } from '../../src/mail/relay/start.js';
import { upsertServer } from '../../src/metabase/repositories/servers.js';
import { defaultMailServer } from '../../src/tenant/relay-mail-server.js';
import { lockoutAddress } from '../../src/login-lockout.js';
import { baseUrl, connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let relay: MailRelay;
let work: string;
/** A hosting server row of this file's own: locking its log password out touches no other test. */
const OWN = `zz-lockout-${process.pid}`;
const FILE = dayFileName('1999-12-31');

/**
 * Loopback addresses of this file's own (all of 127/8 reaches the loopback on Linux): the
 * per-address counts of other test files, which all come from 127.0.0.1, are not touched.
 */
const address = (n: number) => `127.77.${(process.pid % 250) + 1}.${n}`;

beforeAll(async () => {
  app = await connectTestApp();
  relay = await startMailRelay(app);
  work = await mkdtemp(path.join(tmpdir(), 'dbtools-lockout-'));
  const {
    id: _id,
    created_at: _c,
    front_address: _a,
    front_http_port: _h,
    front_https_port: _s,
    ...local
  } = await embeddedServer(app);
  await upsertServer(app.metabase, { ...local, name: OWN, log_dir: path.join(work, 'logs') });
  await mkdir(path.join(work, 'logs'));
  await writeFile(path.join(work, 'logs', FILE), '2000-01-01 00:00:00,000 1 INFO ? odoo: a line\n');
});
afterAll(async () => {
  await relay.close();
  await app.metabase.deleteFrom('hosting_server').where('name', '=', OWN).execute();
  await app.metabase.deleteFrom('platform_setting').where('key', '=', `logs_password_hash:${OWN}`).execute();
  await app.close();
  await rm(work, { recursive: true, force: true });
});

/** The lockout window ends for these keys, as if its minutes had passed (the counts use the metabase's clock). */
async function endWindow(keys: string[]): Promise<void> {
  await sql`UPDATE login_throttle SET window_start = window_start - interval '16 minutes' WHERE key = ANY(${keys}::text[])`.execute(
    app.metabase,
  );
}

// Each attempt is a real SMTP session or HTTP request with an argon2 check: dozens per test.
describe('relay AUTH lockout', { timeout: 300_000 }, () => {
  async function wired() {
    const db = await createTestTenant(app, { prefix: 'lockout' });
    await wireTenantToRelay(app, db, relay.address);
    const server = await app.tenants.withTenant(db, defaultMailServer);
    return { db, auth: { user: server!.smtp_user!, pass: server!.smtp_pass! } };
  }

  /** One SMTP session from `from`: the AUTH answer (250 when it went through and the message was taken). */
  async function attempt(
    from: string,
    auth: { user: string; pass: string },
  ): Promise<{ code: number; text: string }> {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: relay.address.port,
      secure: false,
      ignoreTLS: true,
      localAddress: from,
      auth,
    });
    try {
      await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'lockout', text: 'x' });
      return { code: 250, text: '' };
    } catch (e) {
      const err = e as { responseCode?: number; response?: string };
      return { code: err.responseCode ?? 0, text: err.response ?? String(e) };
    } finally {
      transport.close();
    }
  }

  it('answers an unknown login exactly as a known login with a wrong password', async () => {
    const { db } = await wired();
    const known = await attempt(address(1), { user: db.name, pass: 'wrong' });
    const unknown = await attempt(address(1), { user: `${db.name}-nope`, pass: 'wrong' });
    expect(known.code).toBe(535);
    expect(unknown).toEqual(known);
  });

  it(`locks a login out after ${RELAY_MAX_FAILURES_PER_LOGIN} failed AUTHs from anywhere: the right password is refused too (454, temporary) until the window ends`, async () => {
    const { db, auth } = await wired();
    for (let i = 0; i < RELAY_MAX_FAILURES_PER_LOGIN; i++) {
      expect((await attempt(address(2 + (i % 2)), { ...auth, pass: `wrong-${i}` })).code).toBe(535);
    }
    const locked = await attempt(address(2), auth);
    expect(locked.code).toBe(454);
    expect(locked.text).toMatch(/Too many failed logins .*try again in 15 minutes/);
    // From an address that never failed: still locked, the count is the login's.
    expect((await attempt(address(4), auth)).code).toBe(454);
    // An unknown login is locked out the same way, with the same answer.
    const ghost = { user: `${db.name}-ghost`, pass: 'x' };
    for (let i = 0; i < RELAY_MAX_FAILURES_PER_LOGIN; i++)
      expect((await attempt(address(5), ghost)).code).toBe(535);
    expect(await attempt(address(5), ghost)).toEqual(locked);

    await endWindow([`relay login ${JSON.stringify(auth.user)}`]);
    expect((await attempt(address(2), auth)).code).toBe(250);
  });

  it(`locks an address out after ${RELAY_MAX_FAILURES_PER_ADDRESS} failed AUTHs over any logins; other addresses still get in`, async () => {
    const { db, auth } = await wired();
    for (let i = 0; i < RELAY_MAX_FAILURES_PER_ADDRESS; i++) {
      expect((await attempt(address(6), { user: `${db.name}-guess-${i}`, pass: 'x' })).code).toBe(535);
    }
    expect((await attempt(address(6), auth)).code).toBe(454);
    expect((await attempt(address(7), auth)).code).toBe(250);
    await endWindow([`relay from ${address(6)}`]);
    expect((await attempt(address(6), auth)).code).toBe(250);
  });

  it('good logins never lock a database out, one after another or many at once', async () => {
    const { auth } = await wired();
    for (let i = 0; i < RELAY_MAX_FAILURES_PER_LOGIN + 2; i++)
      expect((await attempt(address(8), auth)).code).toBe(250);
    const parallel = await Promise.all(
      Array.from({ length: 2 * RELAY_MAX_FAILURES_PER_LOGIN }, () => attempt(address(8), auth)),
    );
    expect(parallel.map((a) => a.code)).toEqual(parallel.map(() => 250));
  });
});

describe('/logs Basic auth lockout', { timeout: 300_000 }, () => {
  let password: string;
  beforeAll(async () => {
    password = await rotateLogPassword(app, app.metabase, OWN);
  });

  const basic = (pw: string) => ({ authorization: `Basic ${Buffer.from(`logs:${pw}`).toString('base64')}` });

  /** GET from a loopback address of our own. */
  function get(from: string, url: string, headers: Record<string, string>) {
    return new Promise<{ status: number; body: string; retryAfter?: string }>((resolve, reject) => {
      const req = http.request(new URL(url, baseUrl()), { localAddress: from, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            body,
            retryAfter: res.headers['retry-after'] as string | undefined,
          }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  }

  it(`locks a server's log password out after ${LOGS_MAX_FAILURES_PER_SERVER} wrong ones: the right one is refused (429) from any address until the window ends`, async () => {
    const url = `/logs/${OWN}/${FILE}`;
    expect((await get(address(20), url, basic(password))).status).toBe(200);
    for (let i = 0; i < LOGS_MAX_FAILURES_PER_SERVER; i++) {
      expect((await get(address(21 + (i % 2)), url, basic(`wrong-${i}`))).status).toBe(401);
    }
    const locked = await get(address(21), url, basic(password));
    expect(locked.status).toBe(429);
    expect(Number(locked.retryAfter)).toBeGreaterThan(0);
    expect((await get(address(23), url, basic(password))).status).toBe(429);
    await endWindow([`logs server ${JSON.stringify(OWN)}`]);
    expect((await get(address(21), url, basic(password))).status).toBe(200);
  });

  it(`locks an address out after ${LOGS_MAX_FAILURES_PER_ADDRESS} wrong passwords over any servers, and answers unknown servers like known ones`, async () => {
    const known = await get(address(24), `/logs/${OWN}/${FILE}`, basic('wrong'));
    const unknown = await get(address(24), `/logs/zz-no-such-server-${process.pid}/${FILE}`, basic('wrong'));
    expect(known.status).toBe(401);
    expect(unknown).toEqual(known);
    for (let i = 2; i < LOGS_MAX_FAILURES_PER_ADDRESS; i++) {
      expect(
        (await get(address(24), `/logs/zz-no-such-${process.pid}-${i}/${FILE}`, basic('x'))).status,
      ).toBe(401);
    }
    expect((await get(address(24), `/logs/${OWN}/${FILE}`, basic(password))).status).toBe(429);
    expect((await get(address(25), `/logs/${OWN}/${FILE}`, basic(password))).status).toBe(200);
    await endWindow([`logs from ${lockoutAddress(address(24))}`]);
    expect((await get(address(24), `/logs/${OWN}/${FILE}`, basic(password))).status).toBe(200);
  });

  it('a request without credentials (the browser asking for the prompt) is not counted', async () => {
    for (let i = 0; i < LOGS_MAX_FAILURES_PER_ADDRESS + 1; i++) {
      expect((await get(address(26), `/logs/${OWN}/${FILE}`, {})).status).toBe(401);
    }
    expect((await get(address(26), `/logs/${OWN}/${FILE}`, basic(password))).status).toBe(200);
  });
});
