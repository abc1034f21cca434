import { describe, expect, it } from 'vitest';
import { manifestModules, odooPgVersion } from '../../src/dumps/manifest.js';

describe("the dump manifest's pg_version", () => {
  it('is the major followed by .0 from PostgreSQL 10 on, as Odoo writes it', () => {
    expect(odooPgVersion(150018)).toBe('15.0');
    expect(odooPgVersion(160004)).toBe('16.0');
    expect(odooPgVersion(170000)).toBe('17.0');
    expect(odooPgVersion(100023)).toBe('10.0');
  });

  it('is major.minor for 9.x servers', () => {
    expect(odooPgVersion(90605)).toBe('9.6');
    expect(odooPgVersion(90224)).toBe('9.2');
  });
});

describe("the dump manifest's modules", () => {
  it('write a module Odoo never recorded a version of as null, as json.dump writes None', () => {
    const modules = manifestModules([
      { name: 'base', latest_version: '17.0.1.3' },
      { name: 'customer_module', latest_version: null },
    ]);
    expect(JSON.stringify(modules)).toBe('{"base":"17.0.1.3","customer_module":null}');
  });
});
