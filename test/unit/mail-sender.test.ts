import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { lockoutAddress } from '../../src/login-lockout.js';
import { encapsulateFrom, singleFromAddress } from '../../src/mail/relay/from-header.js';
import { isSenderDomain, notificationsAddress } from '../../src/mail/relay/sender-domains.js';
import { BOUNCE_ADDRESS_DAYS, bounceAddress, verifyBounceAddress } from '../../src/mail/relay/verp.js';

const secret = Buffer.from('a platform secret of thirty-two bytes!!');
const domain = 'bounces.example';
const at = new Date('2026-11-29T12:00:00Z');

describe('signed bounce addresses', () => {
  it('verify for the database they were minted for, whatever the case the MTA wrote them in', () => {
    const address = bounceAddress(secret, 'acme-bakery.v2', domain, at);
    expect(verifyBounceAddress(secret, address, domain, at)).toMatchObject({ database: 'acme-bakery.v2' });
    expect(verifyBounceAddress(secret, address.toUpperCase(), domain, at)).toMatchObject({
      database: 'acme-bakery.v2',
    });
    expect(bounceAddress(secret, 'acme-bakery.v2', domain, at)).not.toBe(address);
  });

  it('do not verify with another secret, on another domain, before their time or past their life', () => {
    const address = bounceAddress(secret, 'acme', domain, at);
    expect(verifyBounceAddress(Buffer.from('other'), address, domain, at)).toBeUndefined();
    expect(
      verifyBounceAddress(secret, address.replace(domain, 'elsewhere.example'), domain, at),
    ).toBeUndefined();
    expect(verifyBounceAddress(secret, address, domain, new Date(at.getTime() - 3_600_000))).toBeUndefined();
    const late = new Date(at.getTime() + (BOUNCE_ADDRESS_DAYS + 1) * 86_400_000);
    expect(verifyBounceAddress(secret, address, domain, late)).toBeUndefined();
    expect(verifyBounceAddress(secret, `bounce+acme@${domain}`, domain, at)).toBeUndefined();
    expect(
      verifyBounceAddress(secret, address.replace('bounce+acme+', 'bounce+acmf+'), domain, at),
    ).toBeUndefined();
  });
});

describe('lockout addresses', () => {
  it('keep IPv4 as it is and count IPv6 by its /64', () => {
    expect(lockoutAddress('192.0.2.7')).toBe('192.0.2.7');
    expect(lockoutAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(lockoutAddress('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(lockoutAddress('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(lockoutAddress('2001:DB8::1')).toBe('2001:db8:0:0::/64');
    expect(lockoutAddress('::1')).toBe('0:0:0:0::/64');
  });
});

describe('From rewriting', () => {
  const message = (header: string, eol = '\r\n') =>
    Buffer.from([...header.split('\n'), '', 'Body line one', 'Body ünïcode'].join(eol), 'utf8');

  it("puts the sender's name on the notifications address and keeps the original as Reply-To; the body is untouched", async () => {
    const raw = message('Subject: Hi\nFrom: "Jane\n Doe" <jane@gmail.example>\nTo: x@example.com');
    expect(singleFromAddress(raw)).toBe('jane@gmail.example');
    const out = await encapsulateFrom(raw, 'notifications@acme.dbtools.test');
    const parsed = await simpleParser(out);
    expect(parsed.from?.value).toEqual([{ name: 'Jane Doe', address: 'notifications@acme.dbtools.test' }]);
    expect(parsed.replyTo?.value.map((v) => v.address)).toEqual(['jane@gmail.example']);
    expect(parsed.subject).toBe('Hi');
    expect(out.toString('utf8').endsWith('\r\n\r\nBody line one\r\nBody ünïcode')).toBe(true);
  });

  it('handles LF-only messages, a missing From, several Froms and encoded names', async () => {
    const lf = await simpleParser(
      await encapsulateFrom(message('From: bob@x.example\nSubject: a', '\n'), 'n@acme.test'),
    );
    expect(lf.from?.value).toEqual([{ name: 'bob', address: 'n@acme.test' }]);
    const none = await simpleParser(await encapsulateFrom(message('Subject: b'), 'n@acme.test'));
    expect(none.from?.value).toEqual([{ name: '', address: 'n@acme.test' }]);
    expect(none.replyTo).toBeUndefined();
    const two = message('From: a@acme.test\nFrom: evil@bank.example\nSubject: c');
    expect(singleFromAddress(two)).toBeUndefined();
    const rewritten = (await encapsulateFrom(two, 'n@acme.test')).toString('latin1');
    expect(rewritten.match(/^From:/gm)).toHaveLength(1);
    const encoded = await simpleParser(
      await encapsulateFrom(message('From: =?UTF-8?Q?Zo=C3=AB?= <zoe@gmail.example>'), 'n@acme.test'),
    );
    expect(encoded.from?.value).toEqual([{ name: 'Zoë', address: 'n@acme.test' }]);
  });

  it('takes the notifications address from the tenant only within its own domains', () => {
    const domains = ['acme.dbtools.test', 'www.acme.example', 'acme.example'];
    expect(isSenderDomain(domains, 'Sales@ACME.example')).toBe(true);
    expect(isSenderDomain(domains, 'sales@other.dbtools.test')).toBe(false);
    expect(notificationsAddress({}, domains)).toBe('notifications@acme.dbtools.test');
    expect(notificationsAddress({ defaultFrom: 'hello' }, domains)).toBe('hello@acme.dbtools.test');
    expect(notificationsAddress({ defaultFrom: 'hello', catchallDomain: 'acme.example' }, domains)).toBe(
      'hello@acme.example',
    );
    expect(notificationsAddress({ defaultFrom: 'info@acme.example' }, domains)).toBe('info@acme.example');
    expect(
      notificationsAddress({ defaultFrom: 'ceo@bank.example', catchallDomain: 'bank.example' }, domains),
    ).toBe('ceo@acme.dbtools.test');
    expect(notificationsAddress({ defaultFrom: '"x y"\r\nBcc: z' }, domains)).toBe(
      'notifications@acme.dbtools.test',
    );
  });
});
