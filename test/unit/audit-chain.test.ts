import { describe, expect, it } from 'vitest';
import { checkChain, GENESIS_HASH, supportLogHash, type ChainedFields } from '../../src/audit/chain.js';
import { csvCell } from '../../src/audit/export.js';
import { loadConfig } from '../../src/config/config.js';
import { Policy } from '../../src/policy/policy.js';

function chain(n: number): (ChainedFields & { hash: string })[] {
  const out: (ChainedFields & { hash: string })[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const fields: ChainedFields = {
      id: i,
      at: new Date(Date.UTC(2026, 10, 29, 10, 0, i)),
      agent_id: 3,
      agent_login: 'technical',
      agent_level: 3,
      operation: 'set-email-limit',
      database_name: `db-${i % 2}`,
      inputs: { limit: i, nested: { z: 1, a: [true, null] } },
      outcome: 'success',
      message: null,
      request_id: `req-${i}`,
      prev_hash: prev,
    };
    prev = supportLogHash(fields);
    out.push({ ...fields, hash: prev });
  }
  return out;
}

async function* each<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

describe('the support-log hash chain', () => {
  it('the hash does not depend on the order of the keys in the inputs, only on their values', () => {
    const [e] = chain(1);
    const reordered = { ...e, inputs: { nested: { a: [true, null], z: 1 }, limit: 1 } };
    expect(supportLogHash(reordered)).toBe(e.hash);
    expect(supportLogHash({ ...e, inputs: { ...(e.inputs as Record<string, unknown>), limit: 2 } })).not.toBe(e.hash);
  });

  it('an intact chain is reported with its count and head', async () => {
    const entries = chain(5);
    expect(await checkChain(each(entries))).toEqual({ intact: true, entries: 5, head: entries[4].hash });
  });

  it('an edited field, a removed entry and a swapped pair are each named at the first broken entry', async () => {
    const edited = chain(5);
    edited[2] = { ...edited[2], agent_level: 5 };
    expect(await checkChain(each(edited))).toMatchObject({ intact: false, broken: { id: 3, reason: expect.stringMatching(/edited/) } });
    const removed = chain(5).filter((e) => e.id !== 2);
    expect(await checkChain(each(removed))).toMatchObject({ intact: false, broken: { id: 3, reason: expect.stringMatching(/deleted/) } });
    const swapped = chain(5);
    [swapped[1], swapped[2]] = [swapped[2], swapped[1]];
    expect(await checkChain(each(swapped))).toMatchObject({ intact: false, broken: { id: 3 } });
  });
});

describe('CSV cells of the export', () => {
  it('a cell starting with = + - @ or a tab is prefixed so a spreadsheet reads it as text; quotes and commas are quoted', () => {
    expect(['=1+1', '+1', '-1', '@A1', '\tx'].map(csvCell)).toEqual(["'=1+1", "'+1", "'-1", "'@A1", "'\tx"]);
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell('=x,y')).toBe(`"'=x,y"`);
    expect(csvCell(null)).toBe('');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
  });
});

describe('policy.require, the one refusal', () => {
  const policy = new Policy(loadConfig({}), Buffer.from('secret'));
  it('refuses below the key’s level naming both levels, allows at it, and refuses everyone for a key missing from the access map', () => {
    expect(() => policy.require(3, 'support_logs_export', 'Exporting')).toThrow(
      'Exporting needs the SaaS Office level; yours is Technical Support.',
    );
    expect(() => policy.require(4, 'support_logs_export', 'Exporting')).not.toThrow();
    expect(() => policy.require(5, 'no_such_key', 'This')).toThrow('This is not in the access map: no level may do it.');
  });
});
