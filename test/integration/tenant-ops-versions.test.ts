import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { getConfigParameter } from '../../src/tenant/config-parameters.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let infra: AgentSession;

beforeAll(async () => {
  app = await connectTestApp();
  infra = await AgentSession.login('infra');
});
afterAll(() => app.close());

interface AdminEntry {
  login: string;
  status: string;
  isAdmin: boolean;
}

/**
 * Every tenant operation on a tenant built from each hosted series' own schema (strict NOT NULL
 * columns, that series' tables): what passes on 17.0 must pass on the others too.
 */
describe.each(['16.0', '17.0', 'saas~17.4', '18.0'])('tenant operations on an Odoo %s tenant', (version) => {
  it('renders every section and runs every tenant operation', async () => {
    const db = await createTestTenant(app, { prefix: `ops-${version.replace(/[^0-9]/g, '')}`, metabase: { version } });

    const page = await infra.call('GET /api/databases/:name', { params: { name: db.name } });
    expect(page.status).toBe(200);
    const broken = Object.entries(page.body.tools as Record<string, { error?: string }>)
      .filter(([, tool]) => tool.error)
      .map(([key, tool]) => `${key}: ${tool.error}`);
    expect(broken).toEqual([]);

    expect((await infra.run(db.name, 'reset-admin-rights', {})).status).toBe(200);

    const ping = await infra.run(db.name, 'ping', {});
    expect(ping.status).toBe(200);
    expect(ping.body.result).toMatchObject({ status: 'OK', usage: { version } });

    const until = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    expect((await infra.run(db.name, 'extend-trial', { until })).status).toBe(200);
    const expiry = await app.tenants.withTenant(db, (c) => getConfigParameter(c, 'database.expiration_date'));
    expect(expiry).toBe(`${until} 23:59:59`);

    expect((await infra.run(db.name, 'set-security', { enabled: true })).status).toBe(200);

    const users = page.body.tools.impersonation.users as { id: number; login: string }[];
    expect(users.length).toBeGreaterThan(0);
    const impersonated = await infra.run(db.name, 'impersonate', { user: users[0].id, reason: `per-version check ${version}` });
    expect(impersonated.status).toBe(200);
    expect((await infra.run(db.name, 'stop-impersonation', {})).status).toBe(200);

    const admins = page.body.tools.oauth_admin.admins as AdminEntry[];
    expect(admins.length).toBeGreaterThan(0);
    // A demo copy's first administrator has a central account; link whoever is not linked yet.
    const unlinked = admins.find((a) => a.status === 'not_linked');
    if (unlinked) expect((await infra.run(db.name, 'link-admin', { login: unlinked.login })).status).toBe(200);

    const history = await infra.call('GET /api/databases/:name/support-logs', { params: { name: db.name } });
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).toContain('reset-admin-rights');
  });
});
