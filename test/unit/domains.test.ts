import { describe, expect, it } from 'vitest';
import { checkCaa, type CaaAnswer } from '../../src/domains/caa.js';
import { classifyDns, type NameRecords } from '../../src/domains/dns-status.js';
import { nextDnsAttempt, renewalTime } from '../../src/domains/retry-policy.js';
import { normalizeDomain } from '../../src/domains/validate.js';
import { verdict, type VerdictInput } from '../../src/domains/verdict.js';

const ZONE = 'dbtools.test';

describe('domain validation', () => {
  it('keeps the ASCII (IDNA) form in lower case, without the trailing dot', () => {
    expect(normalizeDomain(' Shop.Example.COM. ', ZONE)).toBe('shop.example.com');
    expect(normalizeDomain('bücher.example', ZONE)).toBe('xn--bcher-kva.example');
  });

  it.each([
    ['*.example.com', /Wildcard/],
    ['example', /not a full domain/],
    ['127.0.0.1', /address/],
    ['https://example.com/shop', /without http/],
    [`${'a'.repeat(64)}.example.com`, /longer than 63/],
    [`${'abcdefghi.'.repeat(25)}example.com`, /too long for DNS/],
    ['-bad.example.com', /not a valid domain/],
    ['under_score.example.com', /not a valid domain/],
    ['acme-bakery.dbtools.test', /belong to the platform/],
    ['DBTOOLS.TEST', /belong to the platform/],
  ])('refuses %s', (input, message) => {
    expect(() => normalizeDomain(input, ZONE)).toThrow(message);
  });

  it.each([
    '127.0.0.1',
    '127.0.0.1.',
    '0x7f.1',
    '0x7f.1.',
    '0X7F.0.0.1',
    '127.1',
    '2130706433',
    '0x7f000001',
    '017700000001',
    '0177.0.0.1',
    '127.000.000.001',
    '１２７.０.０.１',
    '10.0.0.1',
    '169.254.169.254',
    '[::1]',
    '::1',
    '::ffff:127.0.0.1',
    '[::ffff:7f00:1]',
    'fe80::1%eth0',
    '1.2.3.4.5',
    'shop.example.123',
    'shop.example.0x1f',
  ])('refuses the address %s in any spelling, never storing what it resolves to', (input) => {
    expect(() => normalizeDomain(input, ZONE)).toThrow(/address/);
  });

  it('keeps names that only hold digits in their inner labels', () => {
    expect(normalizeDomain('123.example.com', ZONE)).toBe('123.example.com');
    expect(normalizeDomain('0x7f.example.com', ZONE)).toBe('0x7f.example.com');
    expect(normalizeDomain('shop.example.c0m', ZONE)).toBe('shop.example.c0m');
  });
});

const target: NameRecords = { name: 'acme-bakery.dbtools.test', cname: [], a: ['127.0.0.1'], aaaa: [] };
const rec = (r: Partial<NameRecords>): NameRecords => ({
  name: 'www.example.com',
  cname: [],
  a: [],
  aaaa: [],
  ...r,
});

describe('DNS status of a customer domain', () => {
  it('is ok for a CNAME to the database host, and for an apex A to its address', () => {
    expect(classifyDns(rec({ cname: ['acme-bakery.dbtools.test'], a: ['127.0.0.1'] }), target).status).toBe(
      'ok',
    );
    expect(classifyDns(rec({ a: ['127.0.0.1'] }), target).status).toBe('ok');
  });
  it('is pending without any record, nxdomain when the name does not exist, servfail when the DNS fails or does not answer', () => {
    expect(classifyDns(rec({}), target).status).toBe('pending');
    expect(classifyDns(rec({ failure: 'nxdomain' }), target).status).toBe('nxdomain');
    expect(classifyDns(rec({ failure: 'servfail' }), target).status).toBe('servfail');
    expect(classifyDns(rec({ failure: 'unreachable' }), target).status).toBe('servfail');
  });
  it('is wrong_target for a CNAME or addresses elsewhere', () => {
    expect(classifyDns(rec({ cname: ['shops.wix.example'], a: ['203.0.113.9'] }), target).status).toBe(
      'wrong_target',
    );
    expect(classifyDns(rec({ a: ['203.0.113.9'] }), target).status).toBe('wrong_target');
  });
  it('is conflicting_records when an extra A or AAAA sends part of the traffic elsewhere', () => {
    const f = classifyDns(rec({ a: ['127.0.0.1'], aaaa: ['2001:db8::1'] }), target);
    expect(f.status).toBe('conflicting_records');
    expect(f.reason).toContain('AAAA 2001:db8::1');
    expect(classifyDns(rec({ a: ['127.0.0.1', '198.51.100.4'] }), target).status).toBe('conflicting_records');
  });
  it('is cdn_proxy behind a CDN name or a CDN address', () => {
    expect(classifyDns(rec({ cname: ['www.example.com.cdn.cloudflare.net'] }), target).status).toBe(
      'cdn_proxy',
    );
    expect(classifyDns(rec({ a: ['104.21.3.4'] }), target).status).toBe('cdn_proxy');
    expect(classifyDns(rec({ aaaa: ['2606:4700::6810:1'] }), target).status).toBe('cdn_proxy');
  });
});

describe('CAA, walking up to the apex', () => {
  const zone = (records: Record<string, CaaAnswer>) => async (name: string) =>
    records[name] ?? { records: [] };
  it('allows any CA without a CAA record, and ours when the closest set names it', async () => {
    expect((await checkCaa('www.shop.example.com', zone({}), ['letsencrypt.org'])).allowed).toBe(true);
    const f = await checkCaa(
      'www.shop.example.com',
      zone({
        'example.com': { records: [{ critical: 0, issue: 'letsencrypt.org; validationmethods=http-01' }] },
      }),
      ['letsencrypt.org'],
    );
    expect(f).toMatchObject({ allowed: true, at: 'example.com' });
  });
  it('blocks when the closest set names only other CAs, even if a parent allows ours', async () => {
    const f = await checkCaa(
      'www.shop.example.com',
      zone({
        'shop.example.com': { records: [{ critical: 0, issue: 'other-ca.example' }] },
        'example.com': { records: [{ critical: 0, issue: 'letsencrypt.org' }] },
      }),
      ['letsencrypt.org'],
    );
    expect(f).toMatchObject({ allowed: false, at: 'shop.example.com' });
  });
  it('lets a set without an issue property restrict nothing, and refuses when the lookup fails', async () => {
    expect(
      (
        await checkCaa(
          'example.com',
          zone({ 'example.com': { records: [{ critical: 0, iodef: 'mailto:x@example.com' }] } }),
          ['letsencrypt.org'],
        )
      ).allowed,
    ).toBe(true);
    expect(
      await checkCaa('example.com', zone({ 'example.com': { failure: 'servfail' } }), ['letsencrypt.org']),
    ).toMatchObject({ allowed: false, failure: 'servfail' });
  });
});

describe('retries and renewal', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  it('spaces DNS re-checks 1, 2, 4… minutes apart, at most 6 hours, and gives up after 5 days', () => {
    expect(nextDnsAttempt(1, t0, t0)).toEqual({ at: new Date(t0.getTime() + 60_000) });
    expect(nextDnsAttempt(3, t0, t0)).toEqual({ at: new Date(t0.getTime() + 240_000) });
    const later = new Date(t0.getTime() + 24 * 3_600_000);
    expect(nextDnsAttempt(30, t0, later)).toEqual({ at: new Date(later.getTime() + 6 * 3_600_000) });
    expect(nextDnsAttempt(40, t0, new Date(t0.getTime() + 5 * 24 * 3_600_000))).toEqual({ giveUp: true });
  });
  it('renews at two thirds of the life: day 60 of a 90-day certificate', () => {
    expect(renewalTime(t0, new Date(t0.getTime() + 90 * 86_400_000))).toEqual(
      new Date(t0.getTime() + 60 * 86_400_000),
    );
  });
});

describe('diagnostics verdict', () => {
  const ok: VerdictInput = {
    domain: 'www.example.com',
    target: 'acme-bakery.dbtools.test',
    dnsStatus: 'ok',
    caaOk: true,
    httpOk: true,
    tlsOk: true,
    certStatus: 'active',
    expiresAt: new Date('2027-01-01T00:00:00Z'),
  };
  it('says everything is in order when every check passes', () => {
    expect(verdict(ok)).toBe(
      'Everything is in order: www.example.com points to the database and its certificate is served (valid until 2027-01-01).',
    );
  });
  it.each<[string, Partial<VerdictInput>, RegExp]>([
    [
      'record missing',
      { dnsStatus: 'pending', httpOk: false, tlsOk: false },
      /^Record missing: .*CNAME www.example.com → acme-bakery.dbtools.test/,
    ],
    ['pointing elsewhere', { dnsStatus: 'wrong_target', tlsOk: false }, /^Pointing elsewhere/],
    ['CDN proxy in the way', { dnsStatus: 'cdn_proxy' }, /^A CDN proxy is in the way/],
    ['CAA forbids', { caaOk: false, tlsOk: false }, /^CAA forbids our certificate authority/],
    ['DNS failing', { dnsStatus: 'servfail' }, /SERVFAIL/],
    [
      'challenge path not served',
      { httpOk: false, tlsOk: false },
      /front end does not serve the challenge path/,
    ],
    ['certificate not deployed yet', { tlsOk: false, certStatus: 'issuing' }, /not deployed yet \(issuing\)/],
    [
      'issuance failed',
      { tlsOk: false, certStatus: 'failed', certReason: 'the CA could not connect' },
      /last issuance failed: the CA could not connect\. Investigate before trying again/,
    ],
  ])('names the most likely cause: %s', (_, change, expected) => {
    expect(verdict({ ...ok, ...change })).toMatch(expected);
  });
  it('puts the DNS before everything else: a missing record explains a failing challenge and TLS', () => {
    expect(verdict({ ...ok, dnsStatus: 'nxdomain', caaOk: false, httpOk: false, tlsOk: false })).toMatch(
      /^Record missing/,
    );
  });
});
