import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';

/**
 * The comment that opens a statement the shared read connections prepare (see metabaseReads):
 * parsed and planned once per connection, then only bound and executed. Kysely sends every query
 * unnamed; this is how a repository asks for a named prepared statement without leaving it.
 * Only for statements whose text is one of a few fixed shapes (values are parameters): each text
 * is a statement kept on every read connection for the life of the process.
 */
const PREPARED = '/* prepared */ ';

/** `PREPARED` as the first thing of a query built with kysely's `sql`. */
export const prepared: RawBuilder<unknown> = sql.raw(PREPARED);

const names = new Map<string, string>();

/** The statement name of a text that asks to be prepared, undefined for any other text. */
export function preparedName(text: string): string | undefined {
  if (!text.startsWith(PREPARED)) return undefined;
  let name = names.get(text);
  if (!name) {
    name = `p_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}
