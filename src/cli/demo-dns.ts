import { Command } from 'commander';
import {
  clearDemoRecords,
  DEMO_RECORD_TYPES,
  setDemoRecord,
  type DemoRecordType,
} from '../domains/demo-dns.js';
import { demoAcme } from '../domains/settings.js';
import { withMetabase } from './agents.js';

/** The demo DNS's management URL, as the running embedded default recorded it in the metabase. */
async function managementUrl(): Promise<string> {
  const demo = await withMetabase((p) => demoAcme(p.app));
  if (!demo) {
    throw new Error(
      'The demo DNS is not running: start the embedded default (npm start) with pebble installed (apt-get install pebble).',
    );
  }
  return demo.dnsManagementUrl;
}

/** `dbtools demo dns set|clear`: records of the embedded default's DNS (pebble-challtestsrv), for trying custom domains. */
export function demoCommand(): Command {
  const demo = new Command('demo').description(
    'The embedded default’s demo services (operators, on the local data folder)',
  );
  const dns = demo
    .command('dns')
    .description('Records of the demo DNS that custom domains are checked against');
  dns
    .command('set <name> <type> [value]')
    .description(
      `Add a record: type ${DEMO_RECORD_TYPES.join(', ')} (e.g. set www.example.test CNAME acme-bakery.dbtools.test; set example.test CAA 'issue "letsencrypt.org"'; SERVFAIL takes no value)`,
    )
    .action(async (name: string, type: string, value = '') => {
      const t = type.toUpperCase() as DemoRecordType;
      if (!DEMO_RECORD_TYPES.includes(t))
        throw new Error(`Record type must be one of ${DEMO_RECORD_TYPES.join(', ')}, got "${type}"`);
      if (t !== 'SERVFAIL' && !value) throw new Error(`A ${t} record needs a value`);
      await setDemoRecord(await managementUrl(), name, t, value);
      process.stdout.write(`${name} ${t}${value ? ` ${value}` : ''}\n`);
    });
  dns
    .command('clear <name>')
    .description('Remove every record of the name (A, AAAA, CNAME, CAA, SERVFAIL)')
    .action(async (name: string) => {
      await clearDemoRecords(await managementUrl(), name);
      process.stdout.write(`${name}: no record\n`);
    });
  return demo;
}
