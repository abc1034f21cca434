import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** The largest message the catcher keeps. */
const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

export interface OutboxSummary {
  id: string;
  date: string;
  from: string;
  to: string[];
  subject: string;
}

export interface OutboxMessage extends OutboxSummary {
  text: string;
  html: string | null;
}

export function outboxDir(dataDir: string): string {
  return path.join(dataDir, 'mail', 'outbox');
}

/**
 * The embedded default's outgoing mail server: an SMTP server on 127.0.0.1 that accepts every
 * message and keeps it under the data folder (raw .eml and parsed .json), for the Outbox page.
 */
export async function startMailCatcher(dataDir: string): Promise<{ port: number; close(): Promise<void> }> {
  const dir = outboxDir(dataDir);
  await mkdir(dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    banner: 'dbtools mail catcher',
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          callback(Object.assign(new Error('Message too big'), { responseCode: 552 }));
          return;
        }
        const raw = Buffer.concat(chunks);
        store(
          dir,
          raw,
          session.envelope.rcptTo.map((r) => r.address),
        ).then(
          () => callback(),
          (err: Error) => callback(err),
        );
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  server.server.unref();
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function store(dir: string, raw: Buffer, recipients: string[]): Promise<void> {
  const parsed = await simpleParser(raw);
  const date = (parsed.date ?? new Date()).toISOString();
  const id = `${Date.now().toString().padStart(14, '0')}-${randomBytes(4).toString('hex')}`;
  const message: OutboxMessage = {
    id,
    date,
    from: parsed.from?.text ?? '',
    to: recipients,
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : null,
  };
  await writeFile(path.join(dir, `${id}.eml`), raw);
  // The .json is what the Outbox lists: written last, by rename, so it is never half there.
  await writeFile(path.join(dir, `${id}.json.partial`), JSON.stringify(message));
  await rename(path.join(dir, `${id}.json.partial`), path.join(dir, `${id}.json`));
}

export async function listOutbox(dataDir: string, limit = 200): Promise<OutboxSummary[]> {
  const dir = outboxDir(dataDir);
  const names = (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.json'))
    .sort()
    .reverse();
  const out: OutboxSummary[] = [];
  for (const n of names.slice(0, limit)) {
    const m = await readOutboxMessage(dataDir, n.slice(0, -5));
    if (m) out.push({ id: m.id, date: m.date, from: m.from, to: m.to, subject: m.subject });
  }
  return out;
}

export async function readOutboxMessage(dataDir: string, id: string): Promise<OutboxMessage | undefined> {
  if (!/^\d{14}-[0-9a-f]{8}$/.test(id)) return undefined;
  const text = await readFile(path.join(outboxDir(dataDir), `${id}.json`), 'utf8').catch(() => undefined);
  return text ? (JSON.parse(text) as OutboxMessage) : undefined;
}
