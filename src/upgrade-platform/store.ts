import type pg from 'pg';

/**
 * The platform's own database: one table of upgrade requests (the source of truth for every
 * state), beside graphile-worker's queue. All of the platform's SQL on it lives here.
 */
export type RequestState = 'new' | 'pending' | 'progress' | 'done' | 'failed' | 'cancelled' | 'archived';
export type Aim = 'test' | 'production';

export type TransferDirection = 'upload' | 'download';

export interface RequestRow {
  id: number;
  /** sha256 of the request's token (the token itself is never stored). */
  key_hash: string;
  state: RequestState;
  /** The state a request had when it was archived. */
  archived_from: RequestState | null;
  aim: Aim;
  contract: string;
  target: string;
  /** The source series: given by the caller (ours, optional), else read from the dump. */
  version: string | null;
  dbuuid: string | null;
  email: string | null;
  /** The caller's SSH public key (`type base64`), the only key its transfers accept. */
  ssh_key: string;
  /** The transfer under way, whose key line is in the SSH server's authorized keys. */
  transfer: TransferDirection | null;
  transfer_date: Date | null;
  /** What the caller's pg_restore can read of our dumps (from the version of the pg_dump that made its upload). */
  pg_compatible: boolean | null;
  create_date: Date;
  upload_date: Date | null;
  upload_size: string | null;
  process_date: Date | null;
  done_date: Date | null;
  archive_date: Date | null;
  reason: string | null;
  attempts: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS upgrade_request (
    id serial PRIMARY KEY,
    key_hash text NOT NULL,
    state text NOT NULL DEFAULT 'new'
        CHECK (state IN ('new', 'pending', 'progress', 'done', 'failed', 'cancelled', 'archived')),
    archived_from text,
    aim text NOT NULL CHECK (aim IN ('test', 'production')),
    contract text NOT NULL,
    target text NOT NULL,
    version text,
    dbuuid text,
    email text,
    ssh_key text NOT NULL,
    transfer text CHECK (transfer IN ('upload', 'download')),
    transfer_date timestamptz,
    pg_compatible boolean,
    create_date timestamptz NOT NULL DEFAULT now(),
    upload_date timestamptz,
    upload_size bigint,
    process_date timestamptz,
    done_date timestamptz,
    archive_date timestamptz,
    reason text,
    attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS upgrade_request_state_idx ON upgrade_request (state);
-- A data folder of the platform before the SSH transfers: its table gains what they need.
ALTER TABLE upgrade_request ADD COLUMN IF NOT EXISTS ssh_key text NOT NULL DEFAULT '';
ALTER TABLE upgrade_request ADD COLUMN IF NOT EXISTS transfer text CHECK (transfer IN ('upload', 'download'));
ALTER TABLE upgrade_request ADD COLUMN IF NOT EXISTS transfer_date timestamptz;
ALTER TABLE upgrade_request ADD COLUMN IF NOT EXISTS pg_compatible boolean;
ALTER TABLE upgrade_request ALTER COLUMN version DROP NOT NULL, ALTER COLUMN dbuuid DROP NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS upgrade_request_key_hash_idx ON upgrade_request (key_hash);
CREATE INDEX IF NOT EXISTS upgrade_request_transfer_idx ON upgrade_request (transfer) WHERE transfer IS NOT NULL;
`;

/** Creates the platform's table at its start (idempotent; the platform's schema is its own). */
export async function createSchema(db: pg.Pool): Promise<void> {
  await db.query(`SELECT pg_advisory_lock(hashtext('upgrade-platform:schema'))`);
  try {
    await db.query(SCHEMA);
  } finally {
    await db.query(`SELECT pg_advisory_unlock(hashtext('upgrade-platform:schema'))`);
  }
}

/** A request not finished yet: it holds a place (and its dump) in its contract's allowance. */
const OPEN = `state IN ('new', 'pending', 'progress')`;

/** Serializes the allowance checks of one contract until the transaction ends. */
async function lockContract(client: pg.ClientBase, contract: string): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('upgrade-platform:contract:' || $1))`, [contract]);
}

/**
 * Inserts the request unless its contract already has `maxOpen` unfinished ones; counted and
 * inserted under the contract's lock, so simultaneous creates cannot all slip under the bound.
 * Answers the new row, or the number of open requests that refused it.
 */
export async function insertRequest(
  db: pg.Pool,
  r: Pick<RequestRow, 'key_hash' | 'aim' | 'contract' | 'target' | 'version' | 'dbuuid' | 'email' | 'ssh_key'>,
  maxOpen: number,
): Promise<{ row: RequestRow } | { open: number }> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await lockContract(client, r.contract);
    const { rows: counted } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM upgrade_request WHERE contract = $1 AND ${OPEN}`,
      [r.contract],
    );
    if (counted[0].n >= maxOpen) {
      await client.query('ROLLBACK');
      return { open: counted[0].n };
    }
    const { rows } = await client.query<RequestRow>(
      `INSERT INTO upgrade_request (key_hash, aim, contract, target, version, dbuuid, email, ssh_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [r.key_hash, r.aim, r.contract, r.target, r.version, r.dbuuid, r.email, r.ssh_key],
    );
    await client.query('COMMIT');
    return { row: rows[0] };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** Bytes of dumps held by the contract's other unfinished requests. */
export async function contractUploadBytes(db: pg.Pool | pg.ClientBase, contract: string, exceptId: number): Promise<number> {
  const { rows } = await db.query<{ bytes: string }>(
    `SELECT coalesce(sum(upload_size), 0)::text AS bytes FROM upgrade_request WHERE contract = $1 AND id <> $2 AND ${OPEN}`,
    [contract, exceptId],
  );
  return Number(rows[0].bytes);
}

export async function findRequestByKeyHash(db: pg.Pool, keyHash: string): Promise<RequestRow | undefined> {
  const { rows } = await db.query<RequestRow>('SELECT * FROM upgrade_request WHERE key_hash = $1', [keyHash]);
  return rows[0];
}

/**
 * Starts a transfer (its key goes into the SSH server's keys) unless the same public key is in
 * a transfer of another request: the SSH server would take the first line that matches, so a key
 * reaches one request's folder at a time (public keys are public: no one may borrow a key to
 * catch another caller's dump). Answers the other request's id when refused.
 */
export async function startTransfer(
  db: pg.Pool,
  id: number,
  direction: TransferDirection,
  expiredBeforeMs: number,
): Promise<{ ok: true } | { busy: number }> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ ssh_key: string }>(`SELECT ssh_key FROM upgrade_request WHERE id = $1 FOR UPDATE`, [id]);
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('upgrade-platform:ssh-key:' || $1))`, [rows[0].ssh_key]);
    const { rows: others } = await client.query<{ id: number }>(
      `SELECT id FROM upgrade_request WHERE ssh_key = $1 AND id <> $2 AND transfer IS NOT NULL
          AND transfer_date > now() - $3 * interval '1 millisecond'`,
      [rows[0].ssh_key, id, expiredBeforeMs],
    );
    if (others[0]) {
      await client.query('ROLLBACK');
      return { busy: others[0].id };
    }
    await client.query(`UPDATE upgrade_request SET transfer = $2, transfer_date = now() WHERE id = $1`, [id, direction]);
    await client.query('COMMIT');
    return { ok: true };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

export async function stopTransfer(db: pg.Pool | pg.ClientBase, id: number): Promise<void> {
  await db.query(`UPDATE upgrade_request SET transfer = NULL, transfer_date = NULL WHERE id = $1`, [id]);
}

/** The transfers under way (not expired): the SSH server's authorized keys are made of them. */
export async function activeTransfers(db: pg.Pool, expiredBeforeMs: number): Promise<Pick<RequestRow, 'id' | 'ssh_key' | 'transfer'>[]> {
  const { rows } = await db.query<Pick<RequestRow, 'id' | 'ssh_key' | 'transfer'>>(
    `SELECT id, ssh_key, transfer FROM upgrade_request
      WHERE transfer IS NOT NULL AND state <> 'archived' AND transfer_date > now() - $1 * interval '1 millisecond' ORDER BY id`,
    [expiredBeforeMs],
  );
  return rows;
}

export async function findRequest(db: pg.Pool | pg.ClientBase, id: number): Promise<RequestRow | undefined> {
  const { rows } = await db.query<RequestRow>('SELECT * FROM upgrade_request WHERE id = $1', [id]);
  return rows[0];
}

/**
 * Runs `fn` while holding the request's row lock, only when it is still `new`: an upload being
 * put in place and a `process` or `cancel` call never interleave. The contract's lock is held
 * too, and `othersBytes` tells what its other unfinished requests hold, so two uploads of one
 * contract cannot both pass its allowance.
 */
export async function withNewRequestLocked<T>(
  db: pg.Pool,
  id: number,
  fn: (row: RequestRow, record: (size: number, pgCompatible: boolean) => Promise<void>, othersBytes: number) => Promise<T>,
): Promise<T | undefined> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<RequestRow>(
      `SELECT * FROM upgrade_request WHERE id = $1 AND state = 'new' FOR UPDATE`,
      [id],
    );
    if (!rows[0]) {
      await client.query('ROLLBACK');
      return undefined;
    }
    await lockContract(client, rows[0].contract);
    const others = await contractUploadBytes(client, rows[0].contract, id);
    const result = await fn(
      rows[0],
      async (size, pgCompatible) => {
        await client.query(
          `UPDATE upgrade_request SET upload_size = $2, upload_date = now(), pg_compatible = $3, transfer = NULL, transfer_date = NULL WHERE id = $1`,
          [id, size, pgCompatible],
        );
      },
      others,
    );
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

export const UPGRADE_TASK = 'upgrade';

/**
 * new → pending, and the queue's job, in one transaction: a crash between the two cannot leave
 * a pending request without its job. Answers the row, or undefined when it was not `new` with an upload.
 */
export async function queueRequest(db: pg.Pool, id: number): Promise<RequestRow | undefined> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<RequestRow>(
      `UPDATE upgrade_request SET state = 'pending', process_date = now()
        WHERE id = $1 AND state = 'new' AND upload_size IS NOT NULL RETURNING *`,
      [id],
    );
    if (rows[0]) await addUpgradeJob(client, id);
    await client.query('COMMIT');
    return rows[0];
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

async function addUpgradeJob(client: pg.ClientBase, id: number): Promise<void> {
  await client.query(
    `SELECT graphile_worker.add_job($1, json_build_object('request', $2::int), job_key := $3, max_attempts := 25)`,
    [UPGRADE_TASK, id, `upgrade:${id}`],
  );
}

/** new/pending → cancelled. A pending request's job finds it cancelled and does nothing. */
export async function cancelRequest(db: pg.Pool, id: number): Promise<RequestRow | undefined> {
  const { rows } = await db.query<RequestRow>(
    `UPDATE upgrade_request SET state = 'cancelled', done_date = now(), transfer = NULL, transfer_date = NULL
      WHERE id = $1 AND state IN ('new', 'pending') RETURNING *`,
    [id],
  );
  return rows[0];
}

/**
 * The worker takes a pending request: progress, attempts + 1. Only from pending: a second job of
 * the same request (one re-added after an interruption) finds it taken and does nothing.
 */
export async function startProcessing(db: pg.Pool, id: number): Promise<RequestRow | undefined> {
  const { rows } = await db.query<RequestRow>(
    `UPDATE upgrade_request SET state = 'progress', attempts = attempts + 1
      WHERE id = $1 AND state = 'pending' RETURNING *`,
    [id],
  );
  return rows[0];
}

export async function finishRequest(
  db: pg.Pool,
  id: number,
  outcome: { state: 'done' } | { state: 'failed'; reason: string },
): Promise<void> {
  await db.query(
    `UPDATE upgrade_request SET state = $2, reason = $3, done_date = now() WHERE id = $1 AND state = 'progress'`,
    [id, outcome.state, outcome.state === 'failed' ? outcome.reason : null],
  );
}

/**
 * A request whose upgrade was interrupted (the platform stopping, or killed) goes back to pending
 * with a job of its own, in one transaction.
 */
export async function requeueRequest(db: pg.Pool, id: number): Promise<void> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const res = await client.query(`UPDATE upgrade_request SET state = 'pending' WHERE id = $1 AND state = 'progress'`, [id]);
    if (res.rowCount) await addUpgradeJob(client, id);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** Requests a stopped process left in progress: the restart cleans their scratch up and runs them again. */
export async function interruptedRequests(db: pg.Pool): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(`SELECT id FROM upgrade_request WHERE state = 'progress' ORDER BY id`);
  return rows.map((r) => r.id);
}

/**
 * The queue's workers holding a lock: at start, none of them is alive (this process is the
 * only one working this database's queue), so their jobs are released to run again.
 */
export async function lockedQueueWorkers(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ locked_by: string }>(
    `SELECT DISTINCT locked_by FROM graphile_worker.jobs WHERE locked_by IS NOT NULL`,
  );
  return rows.map((r) => r.locked_by);
}

/**
 * Finished requests (and abandoned new ones) older than the archive delay become `archived`;
 * answers their ids, whose files the caller deletes.
 */
export async function archiveDueRequests(db: pg.Pool, olderThanMs: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `UPDATE upgrade_request SET archived_from = state, state = 'archived', archive_date = now(), transfer = NULL, transfer_date = NULL
      WHERE (state IN ('done', 'failed', 'cancelled') AND done_date < now() - $1 * interval '1 millisecond')
         OR (state = 'new' AND create_date < now() - $1 * interval '1 millisecond')
      RETURNING id`,
    [olderThanMs],
  );
  return rows.map((r) => r.id);
}

/** Archived requests, for a start that finds their files still there (a kill during archiving). */
export async function archivedRequestIds(db: pg.Pool): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(`SELECT id FROM upgrade_request WHERE state = 'archived'`);
  return rows.map((r) => r.id);
}

/** Scratch databases of this platform on its cluster (names are in the reserved namespace). */
export async function databasesLike(admin: pg.ClientBase, prefix: string): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
    [prefix],
  );
  return rows.map((r) => r.datname);
}

export async function rolesLike(admin: pg.ClientBase, prefix: string): Promise<string[]> {
  const { rows } = await admin.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)`, [prefix]);
  return rows.map((r) => r.rolname);
}

/** The source series read from the dump, for a request whose caller did not say it. */
export async function setRequestVersion(db: pg.Pool, id: number, version: string): Promise<void> {
  await db.query(`UPDATE upgrade_request SET version = $2 WHERE id = $1 AND version IS NULL`, [id, version]);
}
