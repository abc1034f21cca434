import { simpleParser } from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser';

/** One header field as written (folded lines and their line ends included). */
interface Field {
  name: string;
  text: string;
}

/**
 * The header of a raw message as fields, and the rest (blank line and body) untouched. Worked
 * on as latin1 so every byte comes back as it was.
 */
function splitHeader(raw: Buffer): { fields: Field[]; rest: string; eol: string } {
  const text = raw.toString('latin1');
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  const useLf = lf >= 0 && (crlf < 0 || lf < crlf);
  const end = useLf ? lf + 1 : crlf >= 0 ? crlf + 2 : text.length;
  const fields: Field[] = [];
  for (const line of text.slice(0, end).split(/(?<=\n)/)) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1].text += line;
    else if (line)
      fields.push({
        name: line
          .slice(0, Math.max(0, line.indexOf(':')))
          .trim()
          .toLowerCase(),
        text: line,
      });
  }
  return { fields, rest: text.slice(end), eol: useLf ? '\n' : '\r\n' };
}

function valueOf(field: Field): string {
  return field.text
    .slice(field.text.indexOf(':') + 1)
    .replace(/\r?\n(?=[ \t])/g, '')
    .trim();
}

/** The address of the From header when there is exactly one (one field, one mailbox). */
export function singleFromAddress(raw: Buffer): string | undefined {
  const from = splitHeader(raw).fields.filter((f) => f.name === 'from');
  if (from.length !== 1) return undefined;
  const parsed = addressparser(valueOf(from[0]), { flatten: true });
  return parsed.length === 1 && parsed[0].address ? parsed[0].address : undefined;
}

/** A display name as a header phrase: quoted when ASCII, an RFC 2047 word otherwise. */
function phrase(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name)) return `"${name.replace(/(["\\])/g, '\\$1')}"`;
  return `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`;
}

/**
 * The message with its From replaced as Odoo's `encapsulate_email` does (odoo/tools/mail.py):
 * the original sender's name (or the local part of its address) on `address`. The original
 * From becomes the Reply-To when the message has none, so answers still reach the sender.
 */
export async function encapsulateFrom(raw: Buffer, address: string): Promise<Buffer> {
  const { fields, rest, eol } = splitHeader(raw);
  const from = fields.filter((f) => f.name === 'from');
  const original = from.length ? valueOf(from[0]) : '';
  // mailparser decodes the name (encoded words, charsets) as a reader would see it.
  const parsed = original
    ? (await simpleParser(Buffer.from(`From: ${original}\r\n\r\n`, 'latin1'))).from?.value[0]
    : undefined;
  const name = parsed?.name || parsed?.address?.split('@')[0] || '';
  const fromText = `From: ${name ? `${phrase(name)} <${address}>` : address}${eol}`;
  const out: string[] = [];
  let placed = false;
  for (const f of fields) {
    if (f.name !== 'from') out.push(f.text);
    else if (!placed) {
      out.push(fromText);
      placed = true;
    }
  }
  if (!placed) out.unshift(fromText);
  if (parsed?.address && !fields.some((f) => f.name === 'reply-to')) out.push(`Reply-To: ${original}${eol}`);
  return Buffer.from(out.join('') + rest, 'latin1');
}
