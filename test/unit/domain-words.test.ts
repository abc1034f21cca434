import { describe, expect, it } from 'vitest';
import { describeTlsFailure } from '../../src/domains/diagnose.js';
import { verdict, type VerdictInput } from '../../src/domains/verdict.js';

const pending: VerdictInput = {
  domain: 'www.example.com',
  target: 'acme-bakery.dbtools.test.',
  dnsStatus: 'pending',
  caaOk: true,
  httpOk: false,
  tlsOk: false,
  certStatus: 'pending',
};

describe('what domain diagnostics say to an agent', () => {
  it('a verdict never ends a name or a reason with two full stops', () => {
    expect(verdict(pending)).toContain('CNAME www.example.com → acme-bakery.dbtools.test (it can take');
    const wrong = verdict({
      ...pending,
      dnsStatus: 'wrong_target',
      dnsReason: 'www.example.com points to other.example.',
    });
    expect(wrong).toBe(
      'Pointing elsewhere: www.example.com points to other.example. The customer must change it to CNAME www.example.com → acme-bakery.dbtools.test.',
    );
    const failed = verdict({
      ...pending,
      dnsStatus: 'ok',
      httpOk: true,
      certStatus: 'failed',
      certReason: 'The CA refused the order.',
    });
    expect(failed).not.toMatch(/\.\./);
  });

  it('a failed TLS handshake is described in words, never with OpenSSL’s error strings', () => {
    const openssl = Object.assign(
      new Error(
        'write EPROTO 40B7E8F7:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1605:SSL alert number 40',
      ),
      { code: 'EPROTO' },
    );
    expect(describeTlsFailure(openssl)).toBe(
      'the front end has no certificate for this name: it refused the handshake',
    );
    expect(
      describeTlsFailure(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe('nothing answers on the front end’s HTTPS port');
    const odd = Object.assign(new Error('error:0A00010B:SSL routines::weird'), { code: 'ERR_SSL_X' });
    expect(describeTlsFailure(odd)).toBe('the handshake failed (ERR_SSL_X)');
    expect(describeTlsFailure(odd)).not.toMatch(/SSL routines/);
  });
});
