/**
 * IAP account tokens: neutralization appends `+disabled` (addons/iap/data/neutralize.sql), so
 * the ledger keys an account by the token without that suffix, and pages show it masked.
 */
export function ledgerToken(token: string): string {
  return token.replace(/\+.*$/, '');
}

/** `3f2a…9c1e+disabled`: enough to tell accounts apart, not enough to use one. */
export function maskToken(token: string | null): string | null {
  if (!token) return token;
  const core = ledgerToken(token);
  const suffix = token.slice(core.length);
  const masked = core.length <= 8 ? '•'.repeat(core.length) : `${core.slice(0, 4)}…${core.slice(-4)}`;
  return masked + suffix;
}
