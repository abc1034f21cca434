import pg from 'pg';

/**
 * The statements that give `role` every object of the connected database that the bootstrap
 * superuser owns outside the system schemas (REASSIGN OWNED refuses that role), extension members
 * aside. Only the tenants made before each had its own role need it (see giveLegacyTenantItsRole).
 * Sequences that belong to a table column follow their table.
 */
const OWNED_BY_SUPERUSER = `
WITH su AS (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user),
user_ns AS (
  SELECT oid FROM pg_catalog.pg_namespace
   WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
),
objects AS (
  SELECT 'pg_catalog.pg_namespace'::regclass AS cat, n.oid, 'SCHEMA' AS kind, 0 AS rank
    FROM pg_catalog.pg_namespace n JOIN user_ns u ON u.oid = n.oid WHERE n.nspowner = (SELECT oid FROM su)
  UNION ALL
  SELECT 'pg_catalog.pg_class'::regclass, c.oid,
         CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                        WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END, 1
    FROM pg_catalog.pg_class c JOIN user_ns u ON u.oid = c.relnamespace
   WHERE c.relowner = (SELECT oid FROM su) AND c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f', 'c')
     AND NOT (c.relkind = 'S' AND EXISTS (
       SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
          AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')))
  UNION ALL
  SELECT 'pg_catalog.pg_proc'::regclass, p.oid,
         CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, 2
    FROM pg_catalog.pg_proc p JOIN user_ns u ON u.oid = p.pronamespace WHERE p.proowner = (SELECT oid FROM su)
  UNION ALL
  SELECT 'pg_catalog.pg_type'::regclass, t.oid, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, 2
    FROM pg_catalog.pg_type t JOIN user_ns u ON u.oid = t.typnamespace
   WHERE t.typowner = (SELECT oid FROM su) AND t.typtype IN ('b', 'd', 'e', 'r') AND t.typrelid = 0
     AND NOT (t.typcategory = 'A' AND t.typelem <> 0)
  UNION ALL
  SELECT 'pg_catalog.pg_operator'::regclass, o.oid, 'OPERATOR', 3
    FROM pg_catalog.pg_operator o JOIN user_ns u ON u.oid = o.oprnamespace WHERE o.oprowner = (SELECT oid FROM su)
  UNION ALL
  SELECT 'pg_catalog.pg_ts_dict'::regclass, d.oid, 'TEXT SEARCH DICTIONARY', 3
    FROM pg_catalog.pg_ts_dict d JOIN user_ns u ON u.oid = d.dictnamespace WHERE d.dictowner = (SELECT oid FROM su)
  UNION ALL
  SELECT 'pg_catalog.pg_ts_config'::regclass, c.oid, 'TEXT SEARCH CONFIGURATION', 3
    FROM pg_catalog.pg_ts_config c JOIN user_ns u ON u.oid = c.cfgnamespace WHERE c.cfgowner = (SELECT oid FROM su)
)
SELECT o.kind, (pg_catalog.pg_identify_object(o.cat, o.oid, 0)).identity AS identity
  FROM objects o
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = o.cat AND d.objid = o.oid AND d.deptype = 'e')
 ORDER BY o.rank`;

/**
 * Connected as the superuser to a database it still owns objects in: gives them to `role`, in one
 * transaction. The session runs with `session_replication_role = replica` (no trigger, rule or
 * event trigger fires) and a fixed search_path, and runs nothing but catalog reads and ALTER …
 * OWNER, which call no function of the customer's.
 */
export async function giveSuperuserObjectsTo(client: pg.ClientBase, role: string): Promise<number> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ kind: string; identity: string }>(OWNED_BY_SUPERUSER);
    for (const { kind, identity } of rows) {
      await client.query(`ALTER ${kind} ${identity} OWNER TO ${pg.escapeIdentifier(role)}`);
    }
    await client.query('COMMIT');
    return rows.length;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** The guarded session settings of that one superuser connection. */
export const LEGACY_SUPERUSER_OPTIONS = '-c search_path=pg_catalog,pg_temp -c session_replication_role=replica';
