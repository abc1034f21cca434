import type { DnsStatus } from '../metabase/schema.js';
import { cdnOfAddress, cdnOfName } from './cdn.js';

/** Why a query got no records: the name does not exist, or the resolver failed or did not answer. */
export type LookupFailure = 'nxdomain' | 'servfail' | 'unreachable';

/** What the resolver said about one name (an empty list: no record of that type). */
export interface NameRecords {
  name: string;
  cname: string[];
  a: string[];
  aaaa: string[];
  failure?: LookupFailure;
}

export interface DnsFinding {
  status: DnsStatus;
  /** What the name resolves to now, in words. */
  seen: string;
  /** Why, when it is not ok, in words for the agent. */
  reason?: string;
}

export function describeRecords(r: NameRecords): string {
  if (r.failure === 'servfail') return 'the DNS answered SERVFAIL (its servers failed to answer)';
  if (r.failure === 'unreachable') return 'the DNS resolver did not answer';
  if (r.failure === 'nxdomain') return 'the name does not exist (NXDOMAIN)';
  const parts = [
    ...r.cname.map((c) => `CNAME ${c}`),
    r.a.length ? `A ${r.a.join(', ')}` : '',
    r.aaaa.length ? `AAAA ${r.aaaa.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'no record';
}

const same = (a: string, b: string) =>
  a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');

/**
 * Classifies a customer's records against the expected CNAME to the database's platform host
 * (`target`, whose own addresses are what an A record at an apex must equal). Only `ok` lets a
 * certificate be ordered: any other status would make the CA's check fail and count against
 * its rate limits.
 */
export function classifyDns(domain: NameRecords, target: NameRecords): DnsFinding {
  const seen = describeRecords(domain);
  if (domain.failure === 'servfail' || domain.failure === 'unreachable') {
    return {
      status: 'servfail',
      seen,
      reason: `The DNS of ${domain.name} does not answer (${seen}); the customer's DNS provider must fix it.`,
    };
  }
  if (domain.failure === 'nxdomain') {
    return {
      status: 'nxdomain',
      seen,
      reason: `${domain.name} does not exist in the DNS yet: the customer must create it as a CNAME to ${target.name}.`,
    };
  }
  const cname = domain.cname[0];
  if (cname) {
    const cdn = cdnOfName(cname);
    if (cdn)
      return {
        status: 'cdn_proxy',
        seen,
        reason: `${domain.name} goes through ${cdn} (${cname}): the CDN answers instead of our front end. Point it straight at ${target.name} (proxy off).`,
      };
    if (!same(cname, target.name))
      return {
        status: 'wrong_target',
        seen,
        reason: `${domain.name} is a CNAME to ${cname}, not to ${target.name}.`,
      };
  }
  const cdn = [...domain.a, ...domain.aaaa].map(cdnOfAddress).find(Boolean);
  if (cdn)
    return {
      status: 'cdn_proxy',
      seen,
      reason: `${domain.name} resolves to ${cdn} addresses: the CDN answers instead of our front end. Point it straight at ${target.name} (proxy off).`,
    };
  if (!cname && !domain.a.length && !domain.aaaa.length) {
    return {
      status: 'pending',
      seen,
      reason: `No record yet: the customer must add a CNAME from ${domain.name} to ${target.name}.`,
    };
  }
  const ours = (list: string[], expected: string[]) => list.filter((x) => expected.includes(x));
  const foreign = (list: string[], expected: string[]) => list.filter((x) => !expected.includes(x));
  const foreignA = foreign(domain.a, target.a);
  const foreignAaaa = foreign(domain.aaaa, target.aaaa);
  const reachesUs =
    !!cname || ours(domain.a, target.a).length > 0 || ours(domain.aaaa, target.aaaa).length > 0;
  if (!reachesUs) {
    return {
      status: 'wrong_target',
      seen,
      reason: `${domain.name} points elsewhere (${seen}); it must be a CNAME to ${target.name}.`,
    };
  }
  if (foreignA.length || foreignAaaa.length) {
    const extra = [...foreignA.map((x) => `A ${x}`), ...foreignAaaa.map((x) => `AAAA ${x}`)].join(', ');
    return {
      status: 'conflicting_records',
      seen,
      reason: `${domain.name} also has ${extra}, which is not ours: visitors and the CA may be sent there. The customer must remove it and keep only the CNAME to ${target.name}.`,
    };
  }
  return { status: 'ok', seen };
}
