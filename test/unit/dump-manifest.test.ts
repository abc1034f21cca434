import { describe, expect, it } from 'vitest';
import { odooPgVersion } from '../../src/dumps/manifest.js';

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
