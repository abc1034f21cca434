import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { unstorableText } from '../../src/api/request-text.js';

describe('text PostgreSQL cannot store', () => {
  it('is found in nested JSON values and keys', () => {
    expect(unstorableText({ a: [{ b: 'x\u0000y' }] }, 'body')).toBe('body.a[0].b');
    expect(unstorableText({ ['k\ud800']: 1 }, 'body')).toBe('body.k\ud800');
    expect(unstorableText({ ok: 'emoji 😀 fine' }, 'body')).toBeUndefined();
  });

  it('leaves a streamed upload alone instead of walking its buffers', () => {
    const upload = Readable.from([Buffer.alloc(1024 * 1024, 0)]);
    const started = Date.now();
    expect(unstorableText(upload, 'body')).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
