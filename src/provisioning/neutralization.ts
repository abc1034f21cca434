import type pg from 'pg';
import { neutralizeFromSource } from '../odoo/neutralize.js';
import { neutralizeDatabase } from '../tenant/neutralize.js';

/** How a copy was neutralized: what the support log and the job result say. */
export interface NeutralizationReport {
  /** `odoo-source`: the deployed Odoo's own files; `fallback`: dbtools' ported rules (no Odoo source for the series). */
  via: 'odoo-source' | 'fallback';
  /** The modules whose data/neutralize.sql (or ported rules) ran, in order. */
  modules: string[];
}

/**
 * Neutralizes a copy in the caller's transaction: from the server's Odoo source when it has one
 * for the database's series, as Odoo itself does, else with our port of the common modules' rules.
 */
export async function neutralizeCopy(
  client: pg.ClientBase,
  version: string,
  addonsPaths: string[] | undefined,
): Promise<NeutralizationReport> {
  if (addonsPaths) return { via: 'odoo-source', modules: await neutralizeFromSource(client, addonsPaths) };
  return { via: 'fallback', modules: await neutralizeDatabase(client, version) };
}

/** One sentence for the support log. */
export function describeNeutralization(report: NeutralizationReport): string {
  const modules = report.modules.join(', ') || 'none';
  return report.via === 'odoo-source'
    ? `Neutralized by the server's Odoo source; modules with a neutralize.sql: ${modules}.`
    : `Neutralized by dbtools' fallback rules (no Odoo source configured for this version); modules: ${modules}.`;
}
