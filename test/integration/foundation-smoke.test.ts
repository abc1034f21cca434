import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { getConfigParameter } from '../../src/tenant/config-parameters.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
beforeAll(async () => {
  app = await connectTestApp();
});
afterAll(() => app.close());

describe('extend-trial', () => {
  it('moves the expiry in the metabase and in the tenant, and logs it', async () => {
    const db = await createTestTenant(app);
    const functional = await AgentSession.login('functional');
    const until = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const res = await functional.run(db.name, 'extend-trial', { until });
    expect(res.status).toBe(200);
    const expiry = await app.tenants.withTenant(db, (c) => getConfigParameter(c, 'database.expiration_date'));
    // A day alone means the end of that day (issue 10, finding 8).
    expect(expiry).toBe(`${until} 23:59:59`);
    const history = await functional.call('GET /api/databases/:name/support-logs', { params: { name: db.name } });
    expect(history.body.entries[0]).toMatchObject({
      operation: 'extend-trial',
      outcome: 'success',
      agent_login: 'functional',
    });
  });

  it('refuses a date beyond the level limit with the limit in the message', async () => {
    const db = await createTestTenant(app);
    const functional = await AgentSession.login('functional');
    const res = await functional.run(db.name, 'extend-trial', { until: '2099-01-01' });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/today \+ 30 days/);
  });
});
