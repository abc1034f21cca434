/** How long we keep checking a domain whose DNS is not ready before giving up (the agent can retry). */
export const DNS_PATIENCE_MS = 5 * 24 * 3_600_000;
/** Attempts are spaced 1, 2, 4… minutes apart, at most this far apart. */
const MAX_SPACING_MS = 6 * 3_600_000;
/** After the CA said "rate limited", the next order waits at least this long. */
export const RATE_LIMIT_PAUSE_MS = 3_600_000;

export type NextAttempt = { at: Date } | { giveUp: true };

/**
 * When to look at a domain again after its DNS was not ready: exponential spacing from one
 * minute, bounded, and no later than five days after the first attempt. Checks are ours (DNS
 * queries), not orders: nothing reaches the CA until the records are right.
 */
export function nextDnsAttempt(attempts: number, firstAttemptAt: Date, now: Date): NextAttempt {
  if (now.getTime() - firstAttemptAt.getTime() >= DNS_PATIENCE_MS) return { giveUp: true };
  const spacing = Math.min(60_000 * 2 ** Math.max(0, attempts - 1), MAX_SPACING_MS);
  const deadline = firstAttemptAt.getTime() + DNS_PATIENCE_MS;
  return { at: new Date(Math.min(now.getTime() + spacing, deadline)) };
}

/** Renewal starts at two thirds of the certificate's life (day 60 of Let's Encrypt's 90). */
export function renewalTime(notBefore: Date, notAfter: Date): Date {
  return new Date(notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3);
}
