import { describe, expect, it } from 'vitest';
import {
  compareSeries,
  moveModuleVersion,
  parseSeries,
  schemaSteps,
  splitModuleVersion,
  upgradePathProblem,
} from '../../src/upgrade-platform/versions.js';
import { checkContract } from '../../src/upgrade-platform/contract.js';

const s = (v: string) => parseSeries(v)!;

describe('Odoo version arithmetic of the upgrade platform', () => {
  it('reads majors and saas releases, and refuses what Odoo never numbers', () => {
    expect(parseSeries('17.0')).toEqual({ major: 17, minor: 0, saas: false });
    expect(parseSeries('saas~17.2')).toEqual({ major: 17, minor: 2, saas: true });
    for (const bad of ['17', '17.1', 'saas~17.0', 'saas-17.2', '17.0.1', ' 17.0', 'v17.0', '']) expect(parseSeries(bad)).toBeUndefined();
  });

  it('orders releases by number: 16.0 < 17.0 < saas~17.1 < saas~17.4 < 18.0', () => {
    const ordered = ['16.0', '17.0', 'saas~17.1', 'saas~17.4', '18.0'];
    const shuffled = ['saas~17.4', '18.0', '16.0', 'saas~17.1', '17.0'];
    expect(shuffled.sort((a, b) => compareSeries(s(a), s(b)))).toEqual(ordered);
  });

  it('splits a module version into its series and its own part, as adapt_version builds it', () => {
    expect(splitModuleVersion('17.0.1.3')).toEqual({ series: '17.0', part: '1.3' });
    expect(splitModuleVersion('saas~17.2.1.3')).toEqual({ series: 'saas~17.2', part: '1.3' });
    expect(splitModuleVersion('16.0.2.0.1')).toEqual({ series: '16.0', part: '2.0.1' });
    expect(splitModuleVersion('1.3')).toEqual({ part: '1.3' });
    expect(splitModuleVersion('17.0')).toBeUndefined();
    expect(splitModuleVersion('17.0.x')).toBeUndefined();
  });

  it('moves a module to the target series and keeps its own part; an unreadable version starts at 1.0', () => {
    expect(moveModuleVersion('17.0.1.3', '18.0')).toBe('18.0.1.3');
    expect(moveModuleVersion('17.0.1.3', 'saas~17.2')).toBe('saas~17.2.1.3');
    expect(moveModuleVersion('saas~17.4.2.1.7', '18.0')).toBe('18.0.2.1.7');
    expect(moveModuleVersion('1.3', '18.0')).toBe('18.0.1.3');
    expect(moveModuleVersion(null, '18.0')).toBe('18.0.1.0');
    expect(moveModuleVersion('garbage', '18.0')).toBe('18.0.1.0');
  });

  it('walks the schema families between two series: none inside a line, one per major crossed', () => {
    expect(schemaSteps(s('17.0'), s('saas~17.4'))).toEqual([]);
    expect(schemaSteps(s('saas~17.4'), s('18.0'))).toEqual([['17.0', '18.0']]);
    expect(schemaSteps(s('16.0'), s('18.0'))).toEqual([
      ['16.0', '17.0'],
      ['17.0', '18.0'],
    ]);
  });

  it('accepts a request only towards a strictly higher series this platform has schemas for', () => {
    expect(upgradePathProblem('17.0', '18.0')).toBeNull();
    expect(upgradePathProblem('17.0', 'saas~17.2')).toBeNull();
    expect(upgradePathProblem('18.0', '17.0')).toMatch(/must be higher/);
    expect(upgradePathProblem('17.0', '17.0')).toMatch(/must be higher/);
    expect(upgradePathProblem('15.0', '17.0')).toMatch(/15\.0 is not one/);
    expect(upgradePathProblem('18.0', '19.0')).toMatch(/19\.0 is not one/);
    expect(upgradePathProblem('17.0', 'latest')).toMatch(/not an Odoo version/);
  });
});

describe('the upgrade platform contract check', () => {
  const revoked = new Set(['MREVOKED1']);
  it('refuses a database without an enterprise code, with the words upgrade.odoo.com uses', () => {
    for (const c of [undefined, null, '', '   ']) expect(() => checkContract(c, revoked)).toThrow(/no enterprise subscription code/);
  });
  it('refuses a code that is not a subscription code, and a revoked one', () => {
    expect(() => checkContract('X2412150000', revoked)).toThrow(/is not valid/);
    expect(() => checkContract('M12', revoked)).toThrow(/is not valid/);
    expect(() => checkContract('MREVOKED1', revoked)).toThrow(/revoked/);
    expect(() => checkContract('M2412151234567', revoked)).not.toThrow();
  });
});
