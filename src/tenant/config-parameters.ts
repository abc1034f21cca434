import type pg from 'pg';

/** ir_config_parameter, Odoo's key/value settings table. */
export async function getConfigParameter(client: pg.ClientBase, key: string): Promise<string | undefined> {
  const res = await client.query<{ value: string }>('SELECT value FROM ir_config_parameter WHERE key = $1', [key]);
  return res.rows[0]?.value;
}

export async function setConfigParameter(client: pg.ClientBase, key: string, value: string): Promise<void> {
  await client.query(
    `INSERT INTO ir_config_parameter (key, value, create_date, write_date) VALUES ($1, $2, now() at time zone 'UTC', now() at time zone 'UTC')
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = EXCLUDED.write_date`,
    [key, value],
  );
}

/** Odoo stores datetimes as naive UTC strings: `%Y-%m-%d %H:%M:%S`. */
export function odooDatetime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

export async function deleteConfigParameter(client: pg.ClientBase, key: string): Promise<void> {
  await client.query('DELETE FROM ir_config_parameter WHERE key = $1', [key]);
}
