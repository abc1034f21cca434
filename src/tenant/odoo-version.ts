import { Invalid } from '../errors.js';

/** The Odoo series the platform hosts, as the metabase's `database.version` spells them. */
export const HOSTED_ODOO_VERSIONS = ['16.0', '17.0', 'saas~17.4', '18.0'] as const;

/**
 * The stable branch whose schema and neutralization a version follows. A saas~17.x database
 * follows 17.0: the saas releases between 17.0 and 18.0 move some tables towards 18.0 (cron
 * failure counters, numbercall deprecated; iap.service at some point), but nothing dbtools writes
 * or the 17.0 neutralization touches changes shape: crons are read and written through
 * active/nextcall/lastcall only, and iap.ts reads the service from whichever column exists.
 * The 17.0 template is therefore a faithful stand-in for what our code and tests exercise.
 */
export type OdooSeries = '16.0' | '17.0' | '18.0';

/** A version with no schema or neutralization of ours: refused rather than guessed. */
export class UnsupportedOdooVersion extends Invalid {
  constructor(readonly version: string) {
    super(`Odoo version "${version}" is not one the platform hosts (${HOSTED_ODOO_VERSIONS.join(', ')}).`);
  }
}

export function odooSeries(version: string): OdooSeries {
  if (version === '16.0') return '16.0';
  if (version === '17.0' || /^saas~17\.\d+$/.test(version)) return '17.0';
  if (version === '18.0') return '18.0';
  throw new UnsupportedOdooVersion(version);
}

export const ODOO_SERIES: readonly OdooSeries[] = ['16.0', '17.0', '18.0'];
