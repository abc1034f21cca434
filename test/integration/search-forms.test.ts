import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { metabaseReads } from '../../src/metabase/connect.js';
import { searchDatabases, type DatabaseSearch } from '../../src/metabase/repositories/databases.js';
import { listServers } from '../../src/metabase/repositories/servers.js';
import type { HostingServerRow } from '../../src/metabase/schema.js';
import { AgentSession } from '../support/http.js';
import { searchByDefinition } from '../support/search-reference.js';
import { connectTestApp } from '../support/platform.js';

let app: App & { close(): Promise<void> };
let server: HostingServerRow;
let agent: AgentSession;

// A token no other row holds: every name below contains it or starts with its two letters.
const tag = `qx${process.pid.toString(36)}`;
const uuid = randomUUID();
const subcode = `M991231${String(process.pid).padStart(7, '0').slice(-7)}`;
const rows = [
  { name: `${tag}-first`, mode: 'paid', status: 'open' },
  { name: `${tag}-second`, mode: 'trial', status: 'open' },
  { name: `aaa-${tag}-middle`, mode: 'paid', status: 'close' },
  { name: `zzz-end-${tag}`, mode: 'drop', status: 'open' },
  { name: `${tag.slice(0, 2)}0-short-${process.pid}`, mode: 'trial', status: 'open' },
  { name: `bbb-q-x-${process.pid}`, mode: 'paid', status: 'open', uuid, subcode },
];
const names = (items: { name: string }[]) => items.map((i) => i.name);
const ours = (items: { name: string }[]) => names(items).filter((n) => rows.some((r) => r.name === n));

beforeAll(async () => {
  app = await connectTestApp();
  [server] = await listServers(app.metabase);
  agent = await AgentSession.login('viewer');
  await app.metabase
    .insertInto('database')
    .values(
      rows.map((r) => ({
        name: r.name,
        uuid: r.uuid ?? randomUUID(),
        mode: r.mode as 'paid' | 'trial' | 'drop',
        extra_apps: false,
        status: r.status,
        version: '17.0',
        server_id: server.id,
        subcode: r.subcode ?? null,
        email_daily_count: 0,
        ext_email_daily_count: 0,
        email_daily_limit: 200,
        duplicate_limit: 0,
        secure: false,
        email_total_count: 0,
      })),
    )
    .execute();
});

afterAll(async () => {
  await app.metabase
    .deleteFrom('database')
    .where(
      'name',
      'in',
      rows.map((r) => r.name),
    )
    .execute();
  await app.close();
});

/** `shared`: on the shared read connections, as the route searches (prepared statements). */
const search = (s: Partial<DatabaseSearch>, shared = false) =>
  searchDatabases(shared ? metabaseReads(app.metabase) : app.metabase, { limit: 200, ...s });

describe('search forms', () => {
  it('a term of one or two characters matches the start of names only, in name order', async () => {
    const two = await search({ q: tag.slice(0, 2).toUpperCase() });
    expect(names(two).every((n) => n.startsWith(tag.slice(0, 2)))).toBe(true);
    expect(ours(two)).toEqual([`${tag.slice(0, 2)}0-short-${process.pid}`, `${tag}-first`, `${tag}-second`]);
    // `aaa-qx…` holds the two letters further in: not a prefix match.
    expect(ours(two)).not.toContain(`aaa-${tag}-middle`);
    const one = await search({ q: 'q' });
    expect(names(one).every((n) => n.startsWith('q'))).toBe(true);
    expect(names(one)).toEqual([...names(one)].sort());
  });

  it('a longer term matches a name substring at the start and further in, in name order, whichever piece serves it', async () => {
    const expected = [`${tag}-first`, `${tag}-second`, `aaa-${tag}-middle`, `zzz-end-${tag}`].sort();
    expect(names(await search({ q: tag }))).toEqual(expected);
    expect(names(await search({ q: tag, server: [] }, true))).toEqual(expected);
    const holding = (term: string) => names(rows.filter((r) => r.name.includes(term))).sort();
    for (const term of [`${tag}-`, `-${tag}`, `end-${tag}`]) {
      expect(names(await search({ q: term }))).toEqual(holding(term));
      expect(names(await search({ q: term }, true))).toEqual(holding(term));
    }
    expect(await search({ q: `${tag}zz` })).toEqual([]);
  });

  it('matches a uuid prefix and a subscription code in any case', async () => {
    expect(names(await search({ q: uuid.slice(0, 8) }))).toEqual([`bbb-q-x-${process.pid}`]);
    expect(names(await search({ q: uuid.toUpperCase() }))).toEqual([`bbb-q-x-${process.pid}`]);
    expect(names(await search({ q: subcode.toLowerCase() }))).toEqual([`bbb-q-x-${process.pid}`]);
  });

  it('filters by mode, status and a list of servers', async () => {
    expect(names(await search({ q: tag, mode: 'paid' }))).toEqual(
      [`${tag}-first`, `aaa-${tag}-middle`].sort(),
    );
    expect(names(await search({ q: tag, status: 'close' }))).toEqual([`aaa-${tag}-middle`]);
    expect(names(await search({ q: tag, server: [server.name, 'no-such-server'] }))).toHaveLength(4);
    expect(await search({ q: tag, server: ['no-such-server'] })).toEqual([]);
    for (const shared of [false, true]) {
      expect(names(await search({ q: tag, mode: 'paid', limit: 1 }, shared))).toEqual(
        [`${tag}-first`, `aaa-${tag}-middle`].sort().slice(0, 1),
      );
      expect(names(await search({ q: tag, status: 'open', server: server.name }, shared))).toEqual(
        [`${tag}-first`, `${tag}-second`, `zzz-end-${tag}`].sort(),
      );
    }
  });

  it('answers what its definition answers on hostile terms: wildcards, backslashes, unicode, very long', async () => {
    const terms = [
      '%',
      '_',
      '\\',
      '%%%',
      '___',
      '\\%',
      '\\_',
      `${tag}%`,
      `${tag.slice(0, 2)}_`,
      `%${tag}`,
      `_${tag}`,
      `${tag}\\`,
      'q_x',
      '-',
      '--',
      '.',
      '-q',
      `é${tag}`,
      `${tag}é`,
      'İstanbul',
      'ﬀﬀﬀ',
      '😀😀😀',
      `${tag}😀`,
      'ß',
      '\u202e' + tag,
      "'; --",
      `${tag.toUpperCase()}`,
      uuid.slice(0, 3),
      uuid.slice(0, 13).toUpperCase(),
      `${uuid.slice(0, 8)}%`,
      subcode,
      ` ${subcode}`,
      'x'.repeat(5000),
      tag.repeat(400),
      `${tag}-`.repeat(30),
    ];
    for (const q of terms)
      for (const filter of [
        {},
        { mode: 'paid' },
        { status: 'open', server: [server.name] },
        { after: `${tag}-first` },
      ])
        for (const limit of [1, 200]) {
          const s = { q, limit, ...filter };
          const expected = await searchByDefinition(app.metabase, s);
          expect(names(await search(s)), JSON.stringify(s).slice(0, 200)).toEqual(expected);
          expect(names(await search(s, true)), JSON.stringify(s).slice(0, 200)).toEqual(expected);
        }
  });

  it("follows a database's rename, new mode and removal (the name pieces are kept in step)", async () => {
    const name = `ccc-${tag}-moving`;
    const renamed = `ccc-renamed-${process.pid}`;
    await app.metabase
      .insertInto('database')
      .values({
        name,
        uuid: randomUUID(),
        mode: 'trial',
        extra_apps: false,
        status: 'open',
        version: '17.0',
        server_id: server.id,
        email_daily_count: 0,
        ext_email_daily_count: 0,
        email_daily_limit: 200,
        duplicate_limit: 0,
        secure: false,
      })
      .execute();
    try {
      expect(ours(await search({ q: tag, mode: 'trial' }, true))).toContain(`${tag}-second`);
      expect(names(await search({ q: `${tag}-moving`, mode: 'trial' }, true))).toEqual([name]);
      await app.metabase.updateTable('database').set({ mode: 'paid' }).where('name', '=', name).execute();
      expect(await search({ q: `${tag}-moving`, mode: 'trial' }, true)).toEqual([]);
      expect(names(await search({ q: `${tag}-moving`, mode: 'paid' }, true))).toEqual([name]);
      // An update of other columns (the relay's counters) leaves the pieces alone.
      await app.metabase
        .updateTable('database')
        .set({ email_daily_count: 7 })
        .where('name', '=', name)
        .execute();
      expect(names(await search({ q: 'moving', mode: 'paid' }, true))).toContain(name);
      await app.metabase.updateTable('database').set({ name: renamed }).where('name', '=', name).execute();
      expect(await search({ q: `${tag}-moving` }, true)).toEqual([]);
      expect(names(await search({ q: `renamed-${process.pid}` }, true))).toEqual([renamed]);
      await app.metabase.deleteFrom('database').where('name', '=', renamed).execute();
      expect(await search({ q: `renamed-${process.pid}` }, true)).toEqual([]);
      const { rows: left } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM database_name_piece WHERE name IN (${name}, ${renamed})`.execute(
        app.metabase,
      );
      expect(left[0].n).toBe(0);
    } finally {
      await app.metabase.deleteFrom('database').where('name', 'in', [name, renamed]).execute();
    }
  });

  it('pages with a keyset cursor: disjoint pages, in order, together every match, prepared or not', async () => {
    for (const shared of [false, true]) {
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await search({ q: tag, limit: 2, after }, shared);
        seen.push(...names(page));
        if (page.length < 2) break;
        after = page[page.length - 1].name;
      }
      expect(seen).toEqual([`${tag}-first`, `${tag}-second`, `aaa-${tag}-middle`, `zzz-end-${tag}`].sort());
    }
  });

  it('the route takes the server filter repeated or comma-separated, and answers the next cursor', async () => {
    const repeated = await agent.call('GET /api/databases', { query: { q: tag, server: [server.name, 'no-such-server'] } });
    const comma = await agent.call('GET /api/databases', { query: { q: tag, server: `no-such-server,${server.name}` } });
    expect(repeated.status).toBe(200);
    expect(names(repeated.body.items)).toHaveLength(4);
    expect(comma.body.items).toEqual(repeated.body.items);
    const none = await agent.call('GET /api/databases', { query: { q: tag, server: 'no-such-server' } });
    expect(none.body.items).toEqual([]);
    const page = await agent.call('GET /api/databases', { query: { q: tag, limit: 3 } });
    expect(page.body.nextCursor).toBe(page.body.items[2].name);
  });

  it('has the indexes the forms are written for: the name btree (C collation: prefixes are ranges), the name pieces and the uuid prefix carrying the filtered columns', async () => {
    const { rows: indexes } = await sql<{ indexname: string; indexdef: string }>`
      SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'database'`.execute(app.metabase);
    const def = (name: string) => indexes.find((i) => i.indexname === name)?.indexdef;
    expect(def('database_name_key')).toContain('btree (name)');
    expect(def('database_name_filters')).toContain('btree (name) INCLUDE (mode, status, server_id)');
    expect(def('database_uuid_prefix_listed')).toContain(
      'text_pattern_ops) INCLUDE (name, mode, status, server_id)',
    );
    // The trigram and first-character indexes are gone: nothing reads them any more.
    for (const gone of ['database_name_trgm', 'database_name_infix_trgm', 'database_name_grams'])
      expect(def(gone)).toBeUndefined();
    const { rows: pieces } = await sql<{ indexdef: string }>`
      SELECT indexdef FROM pg_indexes WHERE indexname = 'database_name_piece_pkey'`.execute(app.metabase);
    expect(pieces[0].indexdef).toContain('btree (piece, name) INCLUDE (mode, status, server_id)');
    const { rows } = await sql<{
      datcollate: string;
    }>`SELECT datcollate FROM pg_database WHERE datname = current_database()`.execute(app.metabase);
    expect(rows[0].datcollate).toBe('C');
  });
});
