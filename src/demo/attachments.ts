import { crc32, deflateSync } from 'node:zlib';
import type { Prng } from './prng.js';

export interface DemoAttachmentContent {
  name: string;
  mimetype: string;
  resModel: string;
  content: Buffer;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A real (if plain) PNG: a two-colour gradient logo, so viewers and mimetype sniffers accept it. */
function logoPng(prng: Prng, size = 48): Buffer {
  const [r1, g1, b1, r2, g2, b2] = prng.bytes(6);
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const t = (x + y) / (2 * size);
      const noise = prng.int(0, 12);
      raw[row + 1 + x * 3] = Math.round(r1 + (r2 - r1) * t) ^ noise;
      raw[row + 2 + x * 3] = Math.round(g1 + (g2 - g1) * t) ^ noise;
      raw[row + 3 + x * 3] = Math.round(b1 + (b2 - b1) * t) ^ noise;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function statementCsv(dbName: string, index: number, prng: Prng): Buffer {
  const lines = ['date,reference,partner,amount,currency'];
  let day = prng.int(1, 5);
  for (let i = 0; i < prng.int(40, 90); i++) {
    day = Math.min(28, day + prng.int(0, 1));
    const amount = (prng.int(-250000, 900000) / 100).toFixed(2);
    lines.push(
      `2024-0${(index % 9) + 1}-${String(day).padStart(2, '0')},${dbName.toUpperCase().slice(0, 4)}/${prng.digits(5)},Customer ${prng.int(1, 80)},${amount},EUR`,
    );
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

function meetingNotes(dbName: string, company: string, index: number, prng: Prng): Buffer {
  const topics = [
    'opening hours',
    'supplier prices',
    'new product line',
    'website launch',
    'year-end closing',
    'staff planning',
    'customer feedback',
  ];
  const body = [`Meeting notes #${index + 1} — ${company}`, `Database: ${dbName}`, ''];
  for (let i = 0; i < prng.int(25, 60); i++) {
    body.push(
      `- ${prng.pick(topics)}: action owner #${prng.int(1, 9)}, due in ${prng.int(1, 30)} days (ref ${prng.digits(6)})`,
    );
  }
  return Buffer.from(body.join('\n') + '\n', 'utf8');
}

/** Deterministic small files a customer's filestore would hold: logos, statements, notes. */
export function demoAttachmentContents(
  dbName: string,
  company: string,
  count: number,
  prng: Prng,
): DemoAttachmentContent[] {
  const out: DemoAttachmentContent[] = [];
  for (let i = 0; i < count; i++) {
    switch (i % 3) {
      case 0:
        out.push({
          name: i === 0 ? 'logo.png' : `product-${i}.png`,
          mimetype: 'image/png',
          resModel: i === 0 ? 'res.partner' : 'product.template',
          content: logoPng(prng),
        });
        break;
      case 1:
        out.push({
          name: `bank-statement-${i}.csv`,
          mimetype: 'text/csv',
          resModel: 'account.bank.statement',
          content: statementCsv(dbName, i, prng),
        });
        break;
      default:
        out.push({
          name: `meeting-notes-${i}.txt`,
          mimetype: 'text/plain',
          resModel: 'mail.message',
          content: meetingNotes(dbName, company, i, prng),
        });
    }
  }
  return out;
}
