import { sql, type Kysely } from 'kysely';
import { GENESIS_HASH, supportLogHash, type ChainedFields } from '../../audit/chain.js';

const BATCH = 1000;

type Row = Omit<ChainedFields, 'prev_hash'>;

/**
 * The support history becomes a hash chain: each entry carries the hash of the one before it.
 * Existing entries are chained in id order; `at` is cut to the millisecond, the precision the
 * hash covers. The unique prev_hash is the database's own guard against a fork (two entries
 * after the same head).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    LOCK TABLE support_log IN EXCLUSIVE MODE;
    ALTER TABLE support_log ADD COLUMN prev_hash text, ADD COLUMN hash text;
    UPDATE support_log SET at = date_trunc('milliseconds', at);
  `.execute(db);
  let previous = GENESIS_HASH;
  let after = 0;
  for (;;) {
    const { rows } = await sql<Row>`
      SELECT id, at, agent_id, agent_login, agent_level, operation, database_name, inputs, outcome, message, request_id
        FROM support_log WHERE id > ${after} ORDER BY id LIMIT ${BATCH}`.execute(db);
    if (rows.length === 0) break;
    const ids: number[] = [];
    const prevs: string[] = [];
    const hashes: string[] = [];
    for (const row of rows) {
      const hash = supportLogHash({ ...row, prev_hash: previous });
      ids.push(Number(row.id));
      prevs.push(previous);
      hashes.push(hash);
      previous = hash;
    }
    await sql`
      UPDATE support_log s SET prev_hash = u.prev_hash, hash = u.hash
        FROM unnest(${ids}::bigint[], ${prevs}::text[], ${hashes}::text[]) AS u(id, prev_hash, hash)
       WHERE s.id = u.id`.execute(db);
    after = Number(rows[rows.length - 1].id);
  }
  await sql`
    ALTER TABLE support_log ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
    CREATE UNIQUE INDEX support_log_chain ON support_log (prev_hash);
  `.execute(db);
}
