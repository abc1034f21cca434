import { promises as dns } from 'node:dns';
import type { CaaRecord } from 'node:dns';
import { databaseHost } from '../frontend/host-name.js';
import type { DnsStatus } from '../metabase/schema.js';
import { checkCaa, type CaaAnswer, type CaaFinding } from './caa.js';
import { classifyDns, type LookupFailure, type NameRecords } from './dns-status.js';
import type { DomainSettings } from './settings.js';

/** A resolver asking the configured DNS server (DBTOOLS_DNS_SERVER, or the demo's), else the system's. */
export function domainResolver(settings: Pick<DomainSettings, 'dnsServer'>): dns.Resolver {
  const resolver = new dns.Resolver({ timeout: 2_000, tries: 2 });
  if (settings.dnsServer) resolver.setServers([settings.dnsServer]);
  return resolver;
}

function failureOf(e: unknown): LookupFailure | 'nodata' {
  const code = (e as { code?: string }).code;
  if (code === dns.NODATA) return 'nodata';
  if (code === dns.NOTFOUND) return 'nxdomain';
  if (code === dns.SERVFAIL) return 'servfail';
  return 'unreachable';
}

async function query<T>(run: () => Promise<T[]>): Promise<T[] | LookupFailure> {
  try {
    return await run();
  } catch (e) {
    const f = failureOf(e);
    return f === 'nodata' ? [] : f;
  }
}

/** The CNAME, A and AAAA records of one name, or why the resolver gave none. */
export async function lookUpName(resolver: dns.Resolver, name: string): Promise<NameRecords> {
  const [cname, a, aaaa] = await Promise.all([
    query(() => resolver.resolveCname(name)),
    query(() => resolver.resolve4(name)),
    query(() => resolver.resolve6(name)),
  ]);
  const answers = [cname, a, aaaa];
  // A failure on any query is the DNS failing; NXDOMAIN only counts when every query says so.
  const failure =
    answers.find((x) => x === 'servfail' || x === 'unreachable') ??
    (answers.every((x) => x === 'nxdomain') ? 'nxdomain' : undefined);
  const list = (x: string[] | LookupFailure) => (Array.isArray(x) ? x.map((s) => s.toLowerCase()) : []);
  return {
    name,
    cname: list(cname),
    a: list(a),
    aaaa: list(aaaa),
    ...(failure && { failure: failure as LookupFailure }),
  };
}

export async function lookUpCaa(resolver: dns.Resolver, name: string): Promise<CaaAnswer> {
  const r = await query<CaaRecord>(() => resolver.resolveCaa(name));
  return Array.isArray(r) ? { records: r } : { failure: r };
}

export interface DnsCheck {
  status: DnsStatus;
  /** What the name resolves to now, in words. */
  seen: string;
  reason?: string;
  /** The record the customer must have: a CNAME to this name. */
  target: string;
  records: NameRecords;
  targetRecords: NameRecords;
  /** Only looked up once the records themselves are right. */
  caa?: CaaFinding;
}

/**
 * Everything checked before a certificate is ordered: the records (a CNAME to the database's
 * platform host, nothing conflicting, no CDN in the way) and then CAA, walking up to the apex.
 */
export async function checkDomainDns(
  settings: DomainSettings,
  domain: string,
  database: string,
  zone: string,
): Promise<DnsCheck> {
  const resolver = domainResolver(settings);
  const target = databaseHost(database, zone);
  const [records, targetRecords] = await Promise.all([
    lookUpName(resolver, domain),
    lookUpName(resolver, target),
  ]);
  const finding = classifyDns(records, targetRecords);
  const check: DnsCheck = { ...finding, target, records, targetRecords };
  if (finding.status !== 'ok') return check;
  const caa = await checkCaa(domain, (n) => lookUpCaa(resolver, n), settings.caaIdentities);
  check.caa = caa;
  if (caa.failure) {
    return {
      ...check,
      status: 'servfail',
      seen: `${finding.seen}; ${caa.seen}`,
      reason: `The CAA lookup failed (${caa.seen}): no CA may issue until the customer's DNS answers it.`,
    };
  }
  if (!caa.allowed) {
    return {
      ...check,
      status: 'caa_blocked',
      seen: `${finding.seen}; ${caa.seen}`,
      reason: `The customer's CAA record (${caa.seen}) does not allow our certificate authority (${settings.caaIdentities.join(', ')}): they must add an "issue" entry for it, or remove the record.`,
    };
  }
  return check;
}
