import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { DEFAULT_ACCESS_MAP, DEFAULT_LIMITS } from '../../src/config/defaults.js';

let dir: string;
let badFiles = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dbtools-config-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function configFile(name: string, content: string): Promise<NodeJS.ProcessEnv> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return { DBTOOLS_CONFIG: file };
}

const SERVER =
  'name: eu-1, url: "postgres://u@10.0.0.5/postgres", filestoreRoot: /f, backupRoot: /b, logDir: /l, configDir: /c';

describe('loadConfig', () => {
  it('without a file gives the documented defaults', () => {
    const config = loadConfig({});
    expect(config.accessMap).toEqual(DEFAULT_ACCESS_MAP);
    expect(config.limits).toEqual(DEFAULT_LIMITS);
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, sessionIdleMinutes: 60 });
  });

  it('reads YAML and merges the access map over the defaults', async () => {
    const config = loadConfig(
      await configFile(
        'policy.yaml',
        'accessMap:\n  expire_date: 3\nlimits:\n  "2": {trialDays: 10, emailLimit: 5, duplicateLimit: null, duplicateExtensionDays: 1}\n',
      ),
    );
    expect(config.accessMap.expire_date).toBe(3);
    expect(config.accessMap.drop).toBe(DEFAULT_ACCESS_MAP.drop);
    expect(config.limits[2]).toEqual({
      trialDays: 10,
      emailLimit: 5,
      duplicateLimit: null,
      duplicateExtensionDays: 1,
    });
  });

  it('reads JSON', async () => {
    const config = loadConfig(
      await configFile('policy.json', JSON.stringify({ levels: { 0: 'Read only', 1: 'Support' } })),
    );
    expect(config.levels).toEqual({ 0: 'Read only', 1: 'Support' });
  });

  it.each([
    [
      'a wrong type',
      'limits:\n  "2": {trialDays: "thirty", emailLimit: 5, duplicateLimit: null, duplicateExtensionDays: 1}\n',
      'limits.2.trialDays',
    ],
    ['a negative level', 'accessMap:\n  drop: -1\n', 'accessMap.drop'],
    ['an unknown operation key', 'accessMap:\n  dorp: 2\n', 'accessMap.dorp'],
    ['an unknown top-level key', 'acessMap:\n  drop: 2\n', 'key "acessMap"'],
    ['a missing field', 'limits:\n  "3": {trialDays: 1}\n', 'limits.3.emailLimit'],
    [
      'a relative checkout path',
      `servers:\n  - {${SERVER}, gitRepos: {odoo: src/odoo}}\n`,
      'servers.0.gitRepos.odoo',
    ],
    [
      'an unknown repository',
      `servers:\n  - {${SERVER}, gitRepos: {themes: /srv/themes}}\n`,
      'servers.0.gitRepos.themes',
    ],
  ])('a bad file (%s) is refused with an error naming the key', async (_what, content, key) => {
    // The file name must not hold the key, or the message would name it anyway.
    const env = await configFile(`bad-${++badFiles}.yaml`, content);
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(key);
  });

  it('an unreadable or malformed file is a ConfigError naming the file', async () => {
    expect(() => loadConfig({ DBTOOLS_CONFIG: path.join(dir, 'missing.yaml') })).toThrow(/missing\.yaml/);
    const env = await configFile('broken.json', '{"accessMap": ');
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });

  it('reads the four checkout folders of a server', async () => {
    const gitRepos = {
      odoo: '/srv/odoo',
      enterprise: '/srv/enterprise',
      'design-themes': '/srv/themes',
      internal: '/srv/internal',
    };
    const config = loadConfig(
      await configFile('git.yaml', `servers:\n  - {${SERVER}, gitRepos: ${JSON.stringify(gitRepos)}}\n`),
    );
    expect(config.servers[0].gitRepos).toEqual(gitRepos);
  });

  it('refuses a PORT that is not a whole number', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});
