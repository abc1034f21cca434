import { Invalid } from '../errors.js';

/**
 * An Odoo series as the platform spells it: a major ("17.0") or a `saas~` release
 * ("saas~17.2"). Odoo orders them 17.0 < saas~17.1 < … < saas~17.4 < 18.0: a saas release
 * belongs to the line of its major and sits between it and the next major.
 */
export interface OdooRelease {
  version: string;
  major: number;
  minor: number;
  saas: boolean;
}

export function parseRelease(version: string): OdooRelease {
  const m = /^(saas~)?(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new Invalid(`"${version}" is not an Odoo version like 17.0 or saas~17.2.`);
  return { version, major: Number(m[2]), minor: Number(m[3]), saas: !!m[1] };
}

export function compareReleases(a: string, b: string): number {
  const x = parseRelease(a);
  const y = parseRelease(b);
  return x.major - y.major || x.minor - y.minor;
}

/** Catalog versions higher than `current`, lowest first: what a database can be upgraded to. */
export function upgradeTargets(catalog: readonly string[], current: string): string[] {
  return [...catalog].filter((v) => compareReleases(v, current) > 0).sort(compareReleases);
}

/**
 * The rolling release of a database on a `saas~` version: the newest `saas~` release of its
 * line (same major) in the catalog, when newer than its own; none for a major (customers on a
 * major stay until they ask).
 */
export function rollingReleaseTarget(catalog: readonly string[], current: string): string | null {
  const own = parseRelease(current);
  if (!own.saas) return null;
  const newer = upgradeTargets(catalog, current)
    .map(parseRelease)
    .filter((r) => r.saas && r.major === own.major);
  return newer.length ? newer[newer.length - 1].version : null;
}
