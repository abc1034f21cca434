import { sql, type Kysely } from 'kysely';

/**
 * Search in one index range per way of matching (issue 26). A name substring of three characters
 * or more holds every 3-character piece of itself: the names holding one chosen piece of the term,
 * in name order, are one range of a btree keyed (piece, name). That btree lives on a narrow side
 * table, one row per distinct piece of each name, carrying the columns the search filters on (mode,
 * status, server), so a walk of the range tests the filters and the substring on index tuples and
 * stops at a full page: a page of 50 costs that range plus the page's 50 rows read by name. It
 * replaces the walk, the infix trigram index and the first-character piece index (migrations 013
 * and 016), none of which a single ordered range could answer.
 *
 * The side table is kept in step by triggers: a statement-level one for inserts (a bulk insert of a
 * million rows fills it in one statement), row-level ones, fired only when a carried column
 * changes, for updates (the e-mail counters update database rows all day and must not pay for
 * this), and a statement-level one for deletes.
 *
 * The uuid prefix index carries the same columns, so a short prefix (hundreds of uuids) is sorted
 * from index tuples instead of hundreds of rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION database_name_pieces(name text) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      RETURN ARRAY(SELECT DISTINCT substr(name, i, 3) FROM generate_series(1, length(name) - 2) AS i);

    CREATE TABLE database_name_piece (
      piece text NOT NULL,
      name text NOT NULL,
      mode text NOT NULL,
      status text NOT NULL,
      server_id integer NOT NULL,
      PRIMARY KEY (piece, name) INCLUDE (mode, status, server_id)
    );
    -- The search picks the term's rarest piece from these statistics: track most pieces.
    ALTER TABLE database_name_piece ALTER COLUMN piece SET STATISTICS 1000;

    INSERT INTO database_name_piece (piece, name, mode, status, server_id)
      SELECT p, name, mode, status, server_id FROM database, unnest(database_name_pieces(name)) AS p;

    CREATE FUNCTION database_name_pieces_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO database_name_piece (piece, name, mode, status, server_id)
        SELECT p, n.name, n.mode, n.status, n.server_id FROM inserted n, unnest(database_name_pieces(n.name)) AS p;
      RETURN NULL;
    END $$;
    CREATE TRIGGER database_name_pieces_inserted AFTER INSERT ON database
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION database_name_pieces_inserted();

    CREATE FUNCTION database_name_pieces_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.name IS DISTINCT FROM NEW.name THEN
        DELETE FROM database_name_piece WHERE name = OLD.name AND piece = ANY (database_name_pieces(OLD.name));
        INSERT INTO database_name_piece (piece, name, mode, status, server_id)
          SELECT p, NEW.name, NEW.mode, NEW.status, NEW.server_id FROM unnest(database_name_pieces(NEW.name)) AS p;
      ELSE
        UPDATE database_name_piece SET mode = NEW.mode, status = NEW.status, server_id = NEW.server_id
          WHERE name = NEW.name AND piece = ANY (database_name_pieces(NEW.name));
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER database_name_pieces_updated AFTER UPDATE OF name, mode, status, server_id ON database
      FOR EACH ROW
      WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.mode IS DISTINCT FROM NEW.mode
            OR OLD.status IS DISTINCT FROM NEW.status OR OLD.server_id IS DISTINCT FROM NEW.server_id)
      EXECUTE FUNCTION database_name_pieces_updated();

    CREATE FUNCTION database_name_pieces_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM database_name_piece x USING deleted d, unnest(database_name_pieces(d.name)) AS p
        WHERE x.piece = p AND x.name = d.name;
      RETURN NULL;
    END $$;
    CREATE TRIGGER database_name_pieces_deleted AFTER DELETE ON database
      REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION database_name_pieces_deleted();

    -- A TRUNCATE fires no row trigger: the side table follows it too.
    CREATE FUNCTION database_name_pieces_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      TRUNCATE database_name_piece;
      RETURN NULL;
    END $$;
    CREATE TRIGGER database_name_pieces_truncated AFTER TRUNCATE ON database
      FOR EACH STATEMENT EXECUTE FUNCTION database_name_pieces_truncated();

    CREATE INDEX database_uuid_prefix_listed ON database ((uuid::text) text_pattern_ops)
      INCLUDE (name, mode, status, server_id);
    DROP INDEX database_uuid_prefix;
    DROP INDEX database_name_infix_trgm;
    DROP INDEX database_name_grams;
    DROP FUNCTION database_name_grams(text);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION database_name_grams(name text) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      RETURN ARRAY(SELECT DISTINCT left(name, 1) || substr(name, i, 3) FROM generate_series(2, length(name) - 2) AS i);
    CREATE INDEX database_name_grams ON database USING gin (database_name_grams(name));
    CREATE INDEX database_name_infix_trgm ON database USING gin (substr(name, 2) gin_trgm_ops);
    CREATE INDEX database_uuid_prefix ON database ((uuid::text) text_pattern_ops);
    DROP INDEX database_uuid_prefix_listed;
    DROP TRIGGER database_name_pieces_truncated ON database;
    DROP TRIGGER database_name_pieces_deleted ON database;
    DROP TRIGGER database_name_pieces_updated ON database;
    DROP TRIGGER database_name_pieces_inserted ON database;
    DROP FUNCTION database_name_pieces_truncated();
    DROP FUNCTION database_name_pieces_deleted();
    DROP FUNCTION database_name_pieces_updated();
    DROP FUNCTION database_name_pieces_inserted();
    DROP TABLE database_name_piece;
    DROP FUNCTION database_name_pieces(text);
  `.execute(db);
}
