import { domainSettings } from '../domains/settings.js';
import { databaseHost } from '../frontend/index.js';
import { domainsOf } from '../metabase/repositories/domains.js';
import { defineTool } from './define.js';

/**
 * Custom Domains: each domain with its two statuses (DNS, certificate), what the name resolves
 * to now and the exact record the customer must add.
 */
export const customDomainTool = defineTool({
  key: 'custom_domain',
  model: async ({ app, database }) => {
    const [rows, settings] = await Promise.all([domainsOf(app.metabase, database.name), domainSettings(app)]);
    const expectedTarget = databaseHost(database.name, app.config.platformZone);
    return {
      expectedTarget,
      /** No ACME directory (configured, or the demo's pebble): domains are checked but get no certificate. */
      certificatesConfigured: !!settings.acmeDirectory,
      domains: rows.map((r) => ({
        domain: r.domain,
        record: { name: r.domain, type: 'CNAME' as const, value: expectedTarget },
        dnsStatus: r.dns_status,
        dnsSeen: r.dns_seen,
        certStatus: r.cert_status,
        reason: r.reason,
        expiresAt: r.expires_at,
        checkedAt: r.checked_at,
        nextCheckAt: r.next_attempt_at,
      })),
    };
  },
});
