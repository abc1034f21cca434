/**
 * Odoo's version arithmetic, as the upgrade platform needs it. A series is a major release
 * ("17.0") or an online-only release between two majors ("saas~17.2"); a module's installed
 * version (`ir_module_module.latest_version`) is its series followed by the module's own part
 * ("17.0.1.3", "saas~17.2.1.3"), as odoo/modules/module.py `adapt_version` builds it.
 */
export interface Series {
  major: number;
  minor: number;
  saas: boolean;
}

const SERIES = /^(saas~)?(\d{1,3})\.(\d{1,2})$/;
/** A module's own part: two or three numbers (adapt_version refuses anything else). */
const MODULE_PART = /^\d+\.\d+(?:\.\d+)?$/;

export function parseSeries(text: string): Series | undefined {
  const m = SERIES.exec(text);
  if (!m) return undefined;
  const series = { saas: !!m[1], major: Number(m[2]), minor: Number(m[3]) };
  // A major is always "N.0"; "saas~N.0" does not exist.
  if (series.saas === (series.minor === 0)) return undefined;
  return series;
}

export function formatSeries(s: Series): string {
  return `${s.saas ? 'saas~' : ''}${s.major}.${s.minor}`;
}

/** Releases are ordered by number: 17.0 < saas~17.1 < … < saas~17.4 < 18.0. */
export function compareSeries(a: Series, b: Series): number {
  return a.major - b.major || a.minor - b.minor;
}

/** "17.0.1.3" → {series: "17.0", part: "1.3"}; a version without its series ("1.3") has series undefined. */
export function splitModuleVersion(version: string): { series?: string; part: string } | undefined {
  const m = /^((?:saas~)?\d{1,3}\.\d{1,2})\.(.+)$/.exec(version);
  if (m && parseSeries(m[1]) && MODULE_PART.test(m[2])) return { series: m[1], part: m[2] };
  if (MODULE_PART.test(version) && !parseSeries(version)) return { part: version };
  return undefined;
}

/**
 * The version a module has once the database is on `target`: the target series with the module's
 * own part kept ("17.0.1.3" → "18.0.1.3"). A version we cannot read starts over at "1.0", as a
 * module whose manifest has no version does.
 */
export function moveModuleVersion(version: string | null, target: string): string {
  const split = version ? splitModuleVersion(version) : undefined;
  return `${target}.${split?.part ?? '1.0'}`;
}

/**
 * The schema families this platform knows, in release order: every series uses the tables of
 * the major it follows (saas~17.x those of 17.0), as src/tenant/odoo-version.ts explains.
 */
export const SCHEMA_FAMILIES = ['16.0', '17.0', '18.0'] as const;
export type SchemaFamily = (typeof SCHEMA_FAMILIES)[number];

export function schemaFamily(s: Series): SchemaFamily | undefined {
  return SCHEMA_FAMILIES.find((f) => Number(f.split('.')[0]) === s.major);
}

/** The schema steps between two series, e.g. 16.0 → 18.0: [16.0→17.0, 17.0→18.0]. */
export function schemaSteps(from: Series, to: Series): [SchemaFamily, SchemaFamily][] {
  const a = schemaFamily(from);
  const b = schemaFamily(to);
  if (!a || !b) throw new Error(`no schema family for ${formatSeries(!a ? from : to)}`);
  const steps: [SchemaFamily, SchemaFamily][] = [];
  for (let i = SCHEMA_FAMILIES.indexOf(a); i < SCHEMA_FAMILIES.indexOf(b); i++) {
    steps.push([SCHEMA_FAMILIES[i], SCHEMA_FAMILIES[i + 1]]);
  }
  return steps;
}

/**
 * Why `version` → `target` cannot be requested, or null when it can: both must be series this
 * platform has schemas for, and the target strictly higher.
 */
export function upgradePathProblem(version: string, target: string): string | null {
  const from = parseSeries(version);
  const to = parseSeries(target);
  if (!from) return `"${version.slice(0, 40)}" is not an Odoo version (e.g. "17.0" or "saas~17.2").`;
  if (!to) return `"${target.slice(0, 40)}" is not an Odoo version (e.g. "18.0" or "saas~17.4").`;
  const known = SCHEMA_FAMILIES.join(', ');
  if (!schemaFamily(from)) return `This platform upgrades databases of the ${known} lines; ${version} is not one.`;
  if (!schemaFamily(to)) return `This platform upgrades to the ${known} lines; ${target} is not one.`;
  if (compareSeries(to, from) <= 0) return `The target ${target} must be higher than the database's version ${version}.`;
  return null;
}
