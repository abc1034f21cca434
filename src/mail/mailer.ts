import nodemailer, { type Transporter } from 'nodemailer';
import type { App } from '../app.js';
import { startMailCatcher } from './catcher.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

const FROM = '"dbtools" <dbtools@localhost>';
let catcher: Promise<{ port: number }> | undefined;
const transports = new Map<string, Transporter>();

/**
 * DBTOOLS_SMTP_URL (smtp://user:pass@host:port, smtps://...) when set; otherwise the local
 * catcher, started on first use in this process, which keeps every message for the Outbox.
 * The relay forwards the tenants' mail through it too.
 */
export async function upstreamTransport(app: App, options: { pool?: boolean } = {}): Promise<Transporter> {
  // The relay keeps a few connections open (pool): opening one per message costs more than the message.
  // They stay open for good (nodemailer's default closes each after 100 messages): a new connection
  // waits for the server's greeting, which smtp-server delays 100 ms to catch early talkers, and the
  // message that opens it (and the relay's client) waits with it. A dropped connection is reopened.
  const pool = options.pool ?? false;
  const poolOptions = pool ? { pool: true, maxMessages: Infinity } : { pool: false };
  const key = `${pool ? 'pool:' : ''}${app.config.smtpUrl ?? `catcher:${app.config.dataDir}`}`;
  let t = transports.get(key);
  if (!t) {
    if (app.config.smtpUrl) {
      t = nodemailer.createTransport({ url: app.config.smtpUrl, ...poolOptions });
    } else {
      catcher ??= startMailCatcher(app.config.dataDir);
      const { port } = await catcher;
      t = nodemailer.createTransport({
        host: '127.0.0.1',
        port,
        secure: false,
        ignoreTLS: true,
        ...poolOptions,
      });
    }
    transports.set(key, t);
  }
  return t;
}

export function mailMode(app: App): 'smtp' | 'outbox' {
  return app.config.smtpUrl ? 'smtp' : 'outbox';
}

export async function sendMail(app: App, mail: OutgoingMail): Promise<void> {
  await (await upstreamTransport(app)).sendMail({ from: FROM, ...mail });
}
