-- After every step: what Odoo's ORM gives each new table, and sequences past explicit ids.

-- Every model's create_uid/write_uid references res_users ON DELETE SET NULL.
DO $$
DECLARE c record;
BEGIN
    FOR c IN
        SELECT table_name, column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name IN ('create_uid', 'write_uid')
           AND NOT EXISTS (SELECT 1 FROM information_schema.key_column_usage k
                            WHERE k.table_schema = 'public' AND k.table_name = columns.table_name
                              AND k.column_name = columns.column_name)
    LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES res_users (id) ON DELETE SET NULL',
                       c.table_name, c.table_name || '_' || c.column_name || '_fkey', c.column_name);
    END LOOP;
END $$;

-- The data fragments insert rows with explicit ids: their sequences move past them.
DO $$
DECLARE t record;
BEGIN
    -- MATERIALIZED: the planner may otherwise call pg_get_serial_sequence on catalog tables
    -- (pg_statistic has no id column) before the schema filter applies.
    FOR t IN
        WITH cols AS MATERIALIZED (
            SELECT c.table_name FROM information_schema.columns c
             WHERE c.table_schema = 'public' AND c.column_name = 'id'
        )
        SELECT s.table_name, s.seq
          FROM (SELECT table_name, pg_get_serial_sequence(format('public.%I', table_name), 'id') AS seq FROM cols) s
         WHERE s.seq IS NOT NULL
    LOOP
        EXECUTE format('SELECT setval(%L, greatest(coalesce((SELECT max(id) FROM %I), 0) + 1, nextval(%L)), false)',
                       t.seq, t.table_name, t.seq);
    END LOOP;
END $$;
