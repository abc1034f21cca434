import type { CertStatus, DnsStatus } from '../metabase/schema.js';

export interface DiagnosticCheck {
  name: string;
  ok: boolean;
  seen: string;
  expected: string;
}

export interface VerdictInput {
  domain: string;
  target: string;
  dnsStatus: DnsStatus;
  /** The DNS finding's own explanation, when it has one. */
  dnsReason?: string;
  caaOk: boolean;
  /** The CAA lookup itself failed (the DNS did not answer it). */
  caaFailed?: boolean;
  httpOk: boolean;
  tlsOk: boolean;
  certStatus: CertStatus;
  certReason?: string | null;
  expiresAt?: Date | null;
}

/**
 * The most likely cause, in plain words, from the checks in the order they matter: nothing
 * reaches us until the DNS is right, nothing is issued while CAA forbids our CA, the CA cannot
 * validate if the front end does not serve the challenge path, and only then is a missing
 * certificate a matter of waiting (or of a failed issuance to investigate).
 */
export function verdict(v: VerdictInput): string {
  // DNS names may come fully qualified ("x.dbtools.test.") and reasons as sentences: the
  // verdict puts its own full stops.
  const target = v.target.replace(/\.+$/, '');
  const record = `CNAME ${v.domain} → ${target}`;
  const dnsReason = v.dnsReason?.trim().replace(/\.+$/, '') || undefined;
  const certReason = v.certReason?.trim().replace(/\.+$/, '') || undefined;
  switch (v.dnsStatus) {
    case 'servfail':
      return `The customer's DNS is failing (SERVFAIL or no answer) for ${v.domain}: their DNS provider must fix it. Nothing can be done on our side until it answers.`;
    case 'nxdomain':
      return `Record missing: ${v.domain} does not exist in the DNS. The customer must create it: ${record}.`;
    case 'pending':
      return `Record missing: ${v.domain} has no record yet. The customer must add ${record} (it can take up to a few hours to be visible).`;
    case 'wrong_target':
      return `Pointing elsewhere: ${dnsReason ?? `${v.domain} does not point to ${target}`}. The customer must change it to ${record}.`;
    case 'conflicting_records':
      return `Conflicting records: ${dnsReason ?? 'an extra A or AAAA record sends part of the traffic elsewhere'}.`;
    case 'cdn_proxy':
      return `A CDN proxy is in the way: ${dnsReason ?? 'the name resolves to a CDN'}. The customer must turn the proxy off (DNS only) for this name.`;
    case 'caa_blocked':
      return `CAA forbids our certificate authority: ${dnsReason ?? 'the CAA record names another CA'}.`;
    case 'ok':
      break;
  }
  if (v.caaFailed)
    return `The customer's DNS does not answer CAA queries for ${v.domain}: no CA may issue until it does; their DNS provider must fix it.`;
  if (!v.caaOk)
    return `CAA forbids our certificate authority for ${v.domain}: the customer must allow it in their CAA record, or remove the record.`;
  if (!v.httpOk) {
    return `The DNS is right, but the front end does not serve the challenge path for ${v.domain}: the certificate authority cannot validate it. The hosting server's front end needs technical support.`;
  }
  if (!v.tlsOk) {
    switch (v.certStatus) {
      case 'failed':
        return `The DNS and the front end are right, but the last issuance failed: ${certReason ?? 'see the reason above'}. Investigate before trying again.`;
      case 'expired':
        return `The certificate expired and no new one is deployed yet: the renewal is being retried; check again shortly.`;
      default:
        return `The DNS and the front end are right; the certificate is not deployed yet (${v.certStatus}). It takes some time for it to be generated and then deployed: check again in a few minutes.`;
    }
  }
  const until = v.expiresAt ? ` (valid until ${v.expiresAt.toISOString().slice(0, 10)})` : '';
  return `Everything is in order: ${v.domain} points to the database and its certificate is served${until}.`;
}
