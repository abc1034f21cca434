import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { restrictMetaCommands } from '../../src/provisioning/restrict-stream.js';

const KEY = 'a1b2c3d4e5f6a7b8c9d0';

async function through(chunks: string[]): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks.map((c) => Buffer.from(c))).pipe(restrictMetaCommands(KEY))) {
    out.push(c as Buffer);
  }
  return Buffer.concat(out).toString();
}

const DUMP = [
  '\\restrict theirKey123\n',
  'SET client_encoding = \'UTF8\';\n',
  'COPY public.t (a, b) FROM stdin;\n',
  '\\N\t1\n',
  '\\restrict\t2\n',
  '\\.\n',
  '\\! id\n',
  'SELECT 1;\n',
  '\\unrestrict theirKey123\n',
].join('');

describe('restrictMetaCommands', () => {
  it('starts the stream with our \\restrict and drops the dump’s own restriction lines, whatever the chunking', async () => {
    const expected = [
      `\\restrict ${KEY}\n`,
      'SET client_encoding = \'UTF8\';\n',
      'COPY public.t (a, b) FROM stdin;\n',
      '\\N\t1\n',
      '\\restrict\t2\n',
      '\\.\n',
      '\\! id\n',
      'SELECT 1;\n',
    ].join('');
    expect(await through([DUMP])).toBe(expected);
    for (let cut = 1; cut < DUMP.length; cut++) {
      expect(await through([DUMP.slice(0, cut), DUMP.slice(cut)]), `cut at ${cut}`).toBe(expected);
    }
    expect(await through(DUMP.split(''))).toBe(expected);
  });

  it('passes every other backslash command on, for psql to refuse under the restriction', async () => {
    expect(await through(['\\connect dbtools\n\\unrestrictx\n'])).toBe(`\\restrict ${KEY}\n\\connect dbtools\n\\unrestrictx\n`);
  });
});
