import { describe, expect, it } from 'vitest';
import { checkChain, GENESIS_HASH, KEY_CUT_OVER, supportLogHash, type ChainedFields, type PublishedHead } from '../../src/audit/chain.js';
import { AuditKey } from '../../src/audit/key.js';
import { csvCell } from '../../src/audit/export.js';
import { loadConfig } from '../../src/config/config.js';
import { Policy } from '../../src/policy/policy.js';

const key = new AuditKey(Buffer.from('k'.repeat(32)));
/** What someone who writes the metabase could take for a key: the platform's signing secret is there. */
const keyFromTheMetabase = new AuditKey(Buffer.from('the platform secret stored in platform_setting'));

type Entry = ChainedFields & { hash: string };

function fields(i: number, prev: string): ChainedFields {
  return {
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
}

/**
 * A history of n entries: the first `plain` ones hashed before the key existed, then the
 * cut-over entry, then keyed ones (plain 0: the cut-over is entry 1).
 */
function chain(n: number, { plain = 0, signer = key }: { plain?: number; signer?: AuditKey } = {}): Entry[] {
  const out: Entry[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const cutOver = i === plain + 1;
    const f = cutOver
      ? { ...fields(i, prev), operation: KEY_CUT_OVER, database_name: '', inputs: { key_id: signer.id } }
      : fields(i, prev);
    prev = supportLogHash(f, i > plain ? signer : undefined);
    out.push({ ...f, hash: prev });
  }
  return out;
}

/** What a metabase writer does after editing an entry: every hash from it on recomputed, with `hash`. */
function rehashFrom(entries: Entry[], id: number, hash: (f: ChainedFields) => string): Entry[] {
  let prev = GENESIS_HASH;
  return entries.map((e) => {
    const f = { ...e, prev_hash: Number(e.id) < id ? e.prev_hash : prev };
    const h = Number(e.id) < id ? e.hash : hash(f);
    prev = h;
    return { ...f, hash: h };
  });
}

async function* each<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

const check = (entries: Entry[], heads: PublishedHead[] = []) => checkChain(each(entries), { key, heads });
const headOf = (e: Entry): PublishedHead => ({ id: Number(e.id), hash: e.hash, at: new Date(Date.UTC(2026, 10, 30)) });

describe('the support-log hash chain', () => {
  it('the hash does not depend on the order of the keys in the inputs, only on their values', () => {
    const e = fields(1, GENESIS_HASH);
    const reordered = { ...e, inputs: { nested: { a: [true, null], z: 1 }, limit: 1 } };
    expect(supportLogHash(reordered, key)).toBe(supportLogHash(e, key));
    expect(supportLogHash({ ...e, inputs: { limit: 2 } }, key)).not.toBe(supportLogHash(e, key));
  });

  it('a keyed hash is neither the plain sha256 nor the hash under another key', () => {
    const e = fields(1, GENESIS_HASH);
    const hashes = [supportLogHash(e), supportLogHash(e, key), supportLogHash(e, keyFromTheMetabase)];
    expect(new Set(hashes).size).toBe(3);
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify({ key })).not.toContain('k'.repeat(8));
  });

  it('an intact chain is reported with its count, head and cut-over entry', async () => {
    const entries = chain(5);
    expect(await check(entries, [headOf(entries[2]), headOf(entries[4])])).toEqual({
      intact: true,
      entries: 5,
      head: entries[4].hash,
      headId: 5,
      keyedFrom: 1,
    });
  });

  it('a history hashed before the key existed stays valid up to the cut-over entry, keyed after it', async () => {
    const entries = chain(6, { plain: 3 });
    expect(await check(entries)).toMatchObject({ intact: true, entries: 6, keyedFrom: 4 });
  });

  it('an edited field, a removed entry and a swapped pair are each named at the first broken entry', async () => {
    const edited = chain(5);
    edited[2] = { ...edited[2], agent_level: 5 };
    expect(await check(edited)).toMatchObject({ intact: false, broken: { id: 3, reason: expect.stringMatching(/edited/) } });
    const removed = chain(5).filter((e) => e.id !== 2);
    expect(await check(removed)).toMatchObject({ intact: false, broken: { id: 3, reason: expect.stringMatching(/deleted/) } });
    const swapped = chain(5);
    [swapped[1], swapped[2]] = [swapped[2], swapped[1]];
    expect(await check(swapped)).toMatchObject({ intact: false, broken: { id: 3 } });
  });

  it('an edited entry re-hashed from there on, plainly or with a key found in the metabase, is named', async () => {
    const entries = chain(8);
    entries[4] = { ...entries[4], message: 'nothing happened here' };
    for (const hash of [(f: ChainedFields) => supportLogHash(f), (f: ChainedFields) => supportLogHash(f, keyFromTheMetabase)]) {
      const rewritten = rehashFrom(entries, 5, hash);
      expect(await check(rewritten)).toMatchObject({
        intact: false,
        broken: { id: 5, database: 'db-1', reason: expect.stringMatching(/without the audit key/) },
      });
    }
  });

  it('an edit in the history before the cut-over shows at the cut-over entry, whatever is re-hashed up to it', async () => {
    const entries = chain(6, { plain: 3 });
    entries[1] = { ...entries[1], outcome: 'failure' };
    const rewritten = rehashFrom(entries, 2, (f) => supportLogHash(f));
    expect(await check(rewritten)).toMatchObject({ intact: false, broken: { id: 4, database: '' } });
  });

  it('a history rewritten wholesale without its cut-over entry is broken: at the first published head, or at its start', async () => {
    const entries = chain(6, { plain: 2 });
    const published = [headOf(entries[3])];
    const rewritten = rehashFrom(
      entries.filter((e) => e.operation !== KEY_CUT_OVER),
      1,
      (f) => supportLogHash(f),
    );
    expect(await check(rewritten, published)).toMatchObject({ intact: false, broken: { id: 4, reason: expect.stringMatching(/published/) } });
    expect(await check(rewritten)).toMatchObject({ intact: false, broken: { id: 1, reason: expect.stringMatching(/no entry .* signed/) } });
  });

  it('removing the newest entries is caught by a published head past the new end', async () => {
    const entries = chain(10);
    const published = [headOf(entries[5]), headOf(entries[9])];
    expect(await check(entries.slice(0, 7), published)).toMatchObject({
      intact: false,
      entries: 7,
      broken: { id: 10, database: null, reason: expect.stringMatching(/now ends at #7 \(the newest entries were deleted\)/) },
    });
    expect(await check(entries.slice(0, 5), published)).toMatchObject({ intact: false, broken: { id: 6 } });
  });

  it('a history signed with another key says so at its cut-over entry', async () => {
    const other = chain(3, { signer: keyFromTheMetabase });
    expect(await check(other)).toMatchObject({
      intact: false,
      broken: { id: 1, reason: `it is signed with another audit key (key id ${keyFromTheMetabase.id}; this process has ${key.id})` },
    });
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
