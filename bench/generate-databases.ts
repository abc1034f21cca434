import { sql } from 'kysely';
import type { MetabaseDb } from '../src/metabase/connect.js';

// Words customers name their databases after; combined they give realistic, unique names.
const FIRST = [
  'acme',
  'nordic',
  'alpine',
  'golden',
  'green',
  'blue',
  'royal',
  'urban',
  'coastal',
  'sunrise',
  'maple',
  'oak',
  'river',
  'stone',
  'silver',
  'north',
  'south',
  'east',
  'west',
  'central',
  'atlas',
  'summit',
  'harbor',
  'cedar',
  'pioneer',
  'liberty',
  'crown',
  'eagle',
  'falcon',
  'lotus',
  'orchid',
  'phoenix',
  'delta',
  'sierra',
  'vista',
  'dupont',
  'martin',
  'rossi',
  'garcia',
  'muller',
  'jansen',
  'silva',
  'kowalski',
  'nielsen',
  'schmidt',
  'moreau',
  'leclerc',
  'fischer',
  'bakker',
  'costa',
  'santos',
  'weber',
  'novak',
  'horvat',
  'ivanov',
  'kamau',
  'otieno',
];
const SECOND = [
  'bakery',
  'brewery',
  'law',
  'advocaten',
  'consulting',
  'dental',
  'clinic',
  'logistics',
  'transport',
  'foods',
  'coffee',
  'wines',
  'textiles',
  'studio',
  'design',
  'architects',
  'builders',
  'electric',
  'plumbing',
  'motors',
  'garage',
  'pharma',
  'labs',
  'software',
  'digital',
  'media',
  'print',
  'books',
  'school',
  'academy',
  'trust',
  'foundation',
  'relief',
  'partners',
  'group',
  'holding',
  'trading',
  'imports',
  'farm',
  'gardens',
  'hotel',
  'travel',
];

const words = (list: string[]) => sql.raw(`ARRAY[${list.map((w) => `'${w}'`).join(',')}]`);

/**
 * Fills the metabase with `count` generated database rows in one statement: names
 * `<word>-<word>-<n>`, random-looking uuids, the platform's mix of modes and statuses, and
 * subscription codes (`M<yymmdd><7 digits>`) on paid databases.
 */
export async function generateDatabases(db: MetabaseDb, serverId: number, count: number): Promise<void> {
  await sql`
    INSERT INTO database (name, uuid, mode, extra_apps, status, expire_date, version, subcode, server_id,
                          create_date, email_daily_count, email_daily_limit, email_total_count)
    SELECT w.first[1 + (g * 7) % array_length(w.first, 1)] || '-' || w.second[1 + (g * 13) % array_length(w.second, 1)] || '-' || g,
           md5('bench-' || g)::uuid,
           CASE WHEN g % 10 < 5 THEN 'trial' WHEN g % 10 < 9 THEN 'paid' ELSE 'drop' END,
           g % 3 <> 0,
           (ARRAY['open', 'open', 'open', 'open', 'open', 'pending', 'close', 'cancel', 'maintenance'])[1 + g % 9],
           CASE WHEN g % 10 < 5 OR g % 10 = 9 THEN now() + ((g % 60) - 10) * interval '1 day' END,
           (ARRAY['16.0', '17.0', 'saas~17.4', '18.0'])[1 + g % 4],
           CASE WHEN g % 10 BETWEEN 5 AND 8
                THEN 'M' || to_char(date '2019-01-01' + (g % 2500), 'YYMMDD') || lpad(((g::bigint * 7919) % 10000000)::text, 7, '0')
           END,
           ${serverId},
           now() - (g % 30000) * interval '1 hour',
           g % 200, 200, (g::bigint * 37) % 100000
    FROM generate_series(1, ${count}) g,
         (SELECT ${words(FIRST)} AS first, ${words(SECOND)} AS second) w
  `.execute(db);
  // Steady state, as autovacuum leaves it: statistics, and the visibility map that lets the search
  // answer from index tuples (the name order, the uuid prefixes, the name pieces).
  await sql`VACUUM ANALYZE database, database_name_piece`.execute(db);
}
