import pg from 'pg';

/**
 * How `pg` turns PostgreSQL values into JavaScript ones, for every client in the process (the
 * metabase and the tenants alike: `pg.types` is global to the module).
 *
 * int8 (bigserial ids, bigint counters and sizes, and what count(*) and sum(integer) return) comes
 * back as a string by default because it can exceed Number.MAX_SAFE_INTEGER. Ours never do: ids
 * and e-mail counters stay far below 2^53, and byte sizes below 2^53 are 8 PiB. So they are parsed
 * to numbers once, here, and the row types say `number`. numeric is left as a string: nothing we
 * read is numeric, and its values are not safe as doubles in general.
 */
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
