import { createHash } from 'node:crypto';

/** The `prev_hash` of the first entry of the history. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an entry's hash covers: every stored field but the hash itself. */
export interface ChainedFields {
  id: number | string;
  at: Date;
  agent_id: number | null;
  agent_login: string;
  agent_level: number;
  operation: string;
  database_name: string;
  inputs: unknown;
  outcome: string;
  message: string | null;
  request_id: string | null;
  prev_hash: string;
}

/**
 * JSON with object keys sorted at every depth: the same value always gives the same text,
 * whatever order PostgreSQL's jsonb or the writer's object gave the keys.
 */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * sha256 of the entry's fields and the previous entry's hash. One function for the writer,
 * the migration's backfill and `dbtools audit verify`, so they cannot disagree. The id is
 * covered (renumbering shows) and `at` to the millisecond (what the writer stores).
 */
export function supportLogHash(entry: ChainedFields): string {
  const fields = [
    String(entry.id),
    entry.at.toISOString(),
    entry.agent_id,
    entry.agent_login,
    entry.agent_level,
    entry.operation,
    entry.database_name,
    entry.inputs,
    entry.outcome,
    entry.message,
    entry.request_id,
  ];
  return createHash('sha256').update(`${entry.prev_hash}\n${canonicalJson(fields)}`).digest('hex');
}

export interface ChainBreak {
  id: number;
  database: string;
  at: Date;
  reason: string;
}

export type ChainCheck =
  /** `head`: the newest entry's hash; recorded elsewhere, it also shows the newest entries being removed. */
  | { intact: true; entries: number; head: string }
  | { intact: false; entries: number; broken: ChainBreak };

/**
 * Walks the history in id order: each entry must point at the hash of the one before it
 * (a deleted or inserted entry breaks that link) and its own hash must match its fields (an
 * edited entry breaks that). Answers the first broken entry.
 */
export async function checkChain(entries: AsyncIterable<ChainedFields & { hash: string | null }>): Promise<ChainCheck> {
  let previous = GENESIS_HASH;
  let count = 0;
  for await (const entry of entries) {
    count += 1;
    const brokenAt = (reason: string): ChainCheck => ({
      intact: false,
      entries: count,
      broken: { id: Number(entry.id), database: entry.database_name, at: entry.at, reason },
    });
    if (entry.prev_hash !== previous) {
      return brokenAt('it does not follow the entry before it (an entry was deleted, inserted or reordered)');
    }
    if (entry.hash !== supportLogHash(entry)) {
      return brokenAt('its content does not match its hash (the entry was edited)');
    }
    previous = entry.hash;
  }
  return { intact: true, entries: count, head: previous };
}
