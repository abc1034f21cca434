import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { Invalid } from '../errors.js';
import { isHostName } from '../frontend/host-name.js';

/** RFC 1035: 253 characters written out, 63 per label. */
const MAX_NAME = 253;
const MAX_LABEL = 63;

/**
 * An IP address in any spelling a resolver or browser accepts: dotted or not, octal or hex
 * parts (0177.0.0.1, 0x7f.1, 2130706433), bracketed or mapped IPv6 ([::1], ::ffff:127.0.0.1),
 * full-width digits. The WHATWG host parser reads any name whose last label is a number
 * (digits, or 0x and hex digits) as an IPv4 address, and no top-level domain is numeric, so such
 * a name is an address too, even when it is not a valid one.
 */
function isAddress(written: string): boolean {
  const name = written.normalize('NFKC').toLowerCase().replace(/\.$/, '');
  if (isIP(name) || isIP(name.replace(/^\[|\]$/g, ''))) return true;
  const last = name.split('.').pop() ?? '';
  return /^([0-9]+|0x[0-9a-f]*)$/.test(last);
}

/**
 * A customer's domain as we keep and serve it: its ASCII (IDNA, punycode) form in lower case,
 * without the trailing dot. Refused, in words an agent can repeat to the customer: wildcards
 * (http-01 cannot prove them), addresses, single labels, names too long for DNS, and names under
 * the platform's own zone (those are ours, each database already has one).
 */
export function normalizeDomain(input: string, platformZone: string): string {
  const written = input.trim().replace(/\.$/, '');
  if (!written) throw new Invalid('Type the domain to add, for example www.example.com.');
  if (written.includes('*')) {
    throw new Invalid(
      'Wildcard domains are not supported: add each name (www.example.com, shop.example.com…) on its own.',
    );
  }
  if (isAddress(written)) {
    throw new Invalid(`"${written}" is an address, not a domain: add the name that points to the database.`);
  }
  if (/[/:@?#\s]/.test(written)) {
    throw new Invalid(
      `"${written}" is not a domain: type only the name (www.example.com), without http:// or a path.`,
    );
  }
  const ascii = domainToASCII(written.toLowerCase());
  if (!ascii) throw new Invalid(`"${written}" is not a valid domain name.`);
  // The URL host parser turns 0x7f.1, 127.1 or 2130706433 into 127.0.0.1: refused once spelled out too.
  if (isAddress(ascii)) {
    throw new Invalid(`"${written}" is an address (${ascii}), not a domain: add the name that points to the database.`);
  }
  if (ascii.length > MAX_NAME)
    throw new Invalid(`"${written}" is too long for DNS (${ascii.length} characters, at most ${MAX_NAME}).`);
  const labels = ascii.split('.');
  const long = labels.find((l) => l.length > MAX_LABEL);
  if (long)
    throw new Invalid(
      `"${written}" has a part longer than ${MAX_LABEL} characters, which DNS does not allow.`,
    );
  if (labels.length < 2)
    throw new Invalid(`"${written}" is not a full domain: add the part after the dot (example.com).`);
  if (!isHostName(ascii)) throw new Invalid(`"${written}" is not a valid domain name.`);
  const zone = platformZone.toLowerCase();
  if (ascii === zone || ascii.endsWith(`.${zone}`)) {
    throw new Invalid(
      `Names under ${zone} belong to the platform: every database already answers at its own; add the customer's domain instead.`,
    );
  }
  return ascii;
}

/** The stored (ASCII, lower-case) form of a domain an agent typed, to find it again; no rules checked. */
export function domainKey(input: string): string {
  const written = input.trim().toLowerCase().replace(/\.$/, '');
  return domainToASCII(written) || written;
}
