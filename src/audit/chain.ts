import { createHash } from 'node:crypto';
import type { AuditKey } from './key.js';

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
 * The entry's hash over its fields and the previous entry's hash. With the audit key, an
 * HMAC: what every entry from the key's cut-over on carries (see cut-over.ts), which nobody
 * without the key can recompute. Without it, the plain sha256 of the entries written before the
 * key existed (and of migration 008's backfill). One function for the writer, the backfill and
 * `dbtools audit verify`, so they cannot disagree. The id is covered (renumbering shows) and `at`
 * to the millisecond (what the writer stores).
 */
export function supportLogHash(entry: ChainedFields, key?: AuditKey): string {
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
  const text = `${entry.prev_hash}\n${canonicalJson(fields)}`;
  return key ? key.signEntry(text) : createHash('sha256').update(text).digest('hex');
}

/** The entry written at the first start with an audit key: it and every entry after it are keyed. */
export const KEY_CUT_OVER = 'audit-key-cut-over';

/** A head as published outside the metabase (heads.ts): the newest entry's id and hash at that time. */
export interface PublishedHead {
  id: number;
  hash: string;
  at: Date;
}

export interface ChainBreak {
  id: number;
  /** Null when the entry is gone and only its published head names it. */
  database: string | null;
  at: Date;
  reason: string;
}

export type ChainCheck =
  | {
      intact: true;
      entries: number;
      /** The newest entry's hash and id (null for an empty history). */
      head: string;
      headId: number | null;
      /** The cut-over entry: entries before it were hashed before the audit key existed. */
      keyedFrom: number | null;
    }
  | { intact: false; entries: number; broken: ChainBreak };

export interface ChainAnchor {
  key: AuditKey;
  /** Every head published outside the metabase: each must still be in the chain, unchanged. */
  heads: PublishedHead[];
  /**
   * Check only the entries after this head (the publisher's incremental check): the caller has
   * seen that the entry it names is still there, unchanged, and its successors are all keyed.
   */
  after?: PublishedHead;
}

const when = (d: Date) => d.toISOString();

/**
 * Walks the history in id order: each entry must point at the hash of the one before it (a
 * deleted or inserted entry breaks that link), its own hash must match its fields (an edited
 * entry breaks that), keyed from the cut-over on (a history re-hashed without the key breaks
 * that), and every published head must still be there with the hash it had (a history rewritten
 * from scratch, or its newest entries removed, breaks that). Answers the first broken entry.
 */
export async function checkChain(
  entries: AsyncIterable<ChainedFields & { hash: string | null }>,
  anchor: ChainAnchor,
): Promise<ChainCheck> {
  const heads = [...anchor.heads].sort((a, b) => a.id - b.id);
  let next = 0;
  let previous = anchor.after?.hash ?? GENESIS_HASH;
  let previousId = anchor.after?.id ?? null;
  let keyedFrom: number | null = null;
  let keyed = anchor.after !== undefined;
  let first: ChainBreak | undefined;
  let count = 0;
  const publishedGone = (head: PublishedHead, reason: string): ChainCheck => ({
    intact: false,
    entries: count,
    broken: { id: head.id, database: null, at: head.at, reason },
  });
  for await (const entry of entries) {
    count += 1;
    const id = Number(entry.id);
    const brokenAt = (reason: string): ChainCheck => ({
      intact: false,
      entries: count,
      broken: { id, database: entry.database_name, at: entry.at, reason },
    });
    first ??= { id, database: entry.database_name, at: entry.at, reason: '' };
    if (!keyed && entry.operation === KEY_CUT_OVER) {
      keyed = true;
      keyedFrom = id;
    }
    if (entry.prev_hash !== previous) {
      return brokenAt('it does not follow the entry before it (an entry was deleted, inserted or reordered)');
    }
    if (entry.hash !== supportLogHash(entry, keyed ? anchor.key : undefined)) {
      const keyId = (entry.inputs as { key_id?: unknown } | null)?.key_id;
      if (id === keyedFrom && typeof keyId === 'string' && keyId !== anchor.key.id) {
        return brokenAt(`it is signed with another audit key (key id ${keyId}; this process has ${anchor.key.id})`);
      }
      return brokenAt(
        keyed
          ? 'its content does not match its keyed hash (the entry was edited, or the history re-hashed without the audit key)'
          : 'its content does not match its hash (the entry was edited)',
      );
    }
    // After the entry's own checks: a deleted entry is named at the one that followed it, as
    // the link shows; a published entry gone from a history whose links all hold is named here.
    if (next < heads.length && heads[next].id < id) {
      return publishedGone(heads[next], `it was published as the head on ${when(heads[next].at)} and is no longer in the history (entries were deleted)`);
    }
    for (; next < heads.length && heads[next].id === id; next++) {
      if (heads[next].hash !== entry.hash) {
        return brokenAt(`its hash is not the one published as the head on ${when(heads[next].at)} (the history was rewritten from here or before)`);
      }
    }
    previous = entry.hash;
    previousId = id;
  }
  if (next < heads.length) {
    const ends = previousId === null ? 'is now empty' : `now ends at #${previousId}`;
    return publishedGone(heads[next], `it was published as the head on ${when(heads[next].at)}, but the history ${ends} (the newest entries were deleted)`);
  }
  if (first && !keyed) {
    return {
      intact: false,
      entries: count,
      broken: {
        ...first,
        reason: 'no entry of the history is signed with the audit key: its cut-over entry is gone (or the platform never started with this key)',
      },
    };
  }
  return { intact: true, entries: count, head: previous, headId: previousId, keyedFrom };
}
