import type { CaaRecord } from 'node:dns';
import type { LookupFailure } from './dns-status.js';

export type CaaAnswer = { records: CaaRecord[] } | { failure: LookupFailure };

export interface CaaFinding {
  /** Our CA may issue for the name. */
  allowed: boolean;
  /** The check could not run (the DNS failed): neither allowed nor refused. */
  failure?: LookupFailure;
  /** Where the relevant CAA set was found (the name or a parent), if any. */
  at?: string;
  seen: string;
}

/** The CA's identifier in an `issue` value (`letsencrypt.org; validationmethods=http-01`). */
function issuer(value: string): string {
  return value.split(';')[0].trim().toLowerCase();
}

/**
 * RFC 8659: the relevant CAA set is the first non-empty one walking from the name up towards
 * the root; we stop before the top-level label. A set without any `issue` property (only iodef,
 * or only issuewild, which does not govern a plain name) restricts nothing.
 */
export async function checkCaa(
  name: string,
  lookup: (name: string) => Promise<CaaAnswer>,
  identities: string[],
): Promise<CaaFinding> {
  const labels = name.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const at = labels.slice(i).join('.');
    const answer = await lookup(at);
    if ('failure' in answer) {
      // NXDOMAIN on a parent just means no set there; a failing DNS forbids issuing (RFC 8659 §3).
      if (answer.failure === 'nxdomain') continue;
      return {
        allowed: false,
        failure: answer.failure,
        at,
        seen: `the CAA lookup of ${at} failed (${answer.failure})`,
      };
    }
    if (!answer.records.length) continue;
    const issue = answer.records.filter((r) => r.issue !== undefined).map((r) => issuer(r.issue!));
    const seen = `CAA at ${at}: ${answer.records.map(describeCaa).join(', ')}`;
    if (!issue.length) return { allowed: true, at, seen };
    return { allowed: issue.some((v) => identities.includes(v)), at, seen };
  }
  return { allowed: true, seen: 'no CAA record (any CA may issue)' };
}

function describeCaa(r: CaaRecord): string {
  const [tag, value] = Object.entries(r).find(([k]) => k !== 'critical') ?? ['?', ''];
  return `${r.critical ? `${r.critical} ` : '0 '}${tag} "${String(value)}"`;
}
