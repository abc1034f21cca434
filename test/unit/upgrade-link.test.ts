import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { databaseUrl } from '../../src/upgrades/notify.js';

describe('the link an upgrade e-mail sends to the database', () => {
  it('says http:// by default: the front ends serve the platform hosts without TLS', () => {
    expect(databaseUrl(loadConfig({}), 'acme-bakery')).toBe('http://acme-bakery.dbtools.test/web');
  });

  it('says https:// once the configuration says the platform hosts serve HTTPS', () => {
    const config = loadConfig({ DBTOOLS_PLATFORM_HTTPS: '1', DBTOOLS_PLATFORM_ZONE: 'odoo.example' });
    expect(databaseUrl(config, 'acme-bakery')).toBe('https://acme-bakery.odoo.example/web');
    expect(loadConfig({ DBTOOLS_PLATFORM_HTTPS: 'true' }).platformHttps).toBe(true);
    expect(loadConfig({ DBTOOLS_PLATFORM_HTTPS: '0' }).platformHttps).toBe(false);
  });

  it('refuses a setting that is neither on nor off, naming it', () => {
    expect(() => loadConfig({ DBTOOLS_PLATFORM_HTTPS: 'yes please' })).toThrow(ConfigError);
    expect(() => loadConfig({ DBTOOLS_PLATFORM_HTTPS: 'yes please' })).toThrow(/DBTOOLS_PLATFORM_HTTPS/);
  });

  it('is built from the platform’s zone and the database name only (a name that is not a host gets one)', () => {
    expect(databaseUrl(loadConfig({}), 'sec_under')).toMatch(
      /^http:\/\/sec-under--[0-9a-f]{16}\.dbtools\.test\/web$/,
    );
  });
});
