import type { App } from '../app.js';
import { getSetting, setSetting } from '../metabase/repositories/settings.js';

/** Where the embedded default's demo DNS and CA listen, kept in the metabase for every process and the CLI. */
export const DEMO_ACME_SETTING = 'domains.demo';

export interface DemoAcme {
  /** pebble-challtestsrv's DNS (host:port). */
  dnsServer: string;
  /** Its management API (add-a, set-cname…), for `dbtools demo dns`. */
  dnsManagementUrl: string;
  /** pebble's ACME directory. */
  acmeDirectory: string;
  /** The certificate pebble's HTTPS listener presents (our own, made at start), trusted for it only. */
  acmeCaFile: string;
  /** pebble's management API (its roots: the issuer of what it signs). */
  acmeManagementUrl: string;
}

export interface DomainSettings {
  dnsServer?: string;
  acmeDirectory?: string;
  acmeCaFile?: string;
  acmeEmail?: string;
  caaIdentities: string[];
  /** The demo's DNS and CA when they run (the embedded default), else undefined. */
  demo?: DemoAcme;
}

export async function saveDemoAcme(app: App, demo: DemoAcme | null): Promise<void> {
  await setSetting(app.metabase, DEMO_ACME_SETTING, JSON.stringify(demo));
}

export async function demoAcme(app: App): Promise<DemoAcme | undefined> {
  const raw = await getSetting(app.metabase, DEMO_ACME_SETTING);
  return raw ? ((JSON.parse(raw) as DemoAcme | null) ?? undefined) : undefined;
}

/**
 * The resolver and CA in use: the configuration's, or else the demo's (the embedded default
 * starts pebble and its DNS, possibly in another process than the one asking).
 */
export async function domainSettings(app: App): Promise<DomainSettings> {
  const c = app.config.domains;
  const demo = c.acmeDirectory || c.dnsServer ? undefined : await demoAcme(app);
  return {
    dnsServer: c.dnsServer ?? demo?.dnsServer,
    acmeDirectory: c.acmeDirectory ?? demo?.acmeDirectory,
    acmeCaFile: c.acmeCaFile ?? demo?.acmeCaFile,
    acmeEmail: c.acmeEmail,
    caaIdentities: c.caaIdentities,
    demo,
  };
}
