import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/**
 * The secret the support history is signed with. It never enters the metabase: whoever can
 * write the metabase can recompute plain hashes, not these. Each use has a key of its own
 * derived from it, so a signed head can never pass for a signed entry, and the key id (what the
 * metabase may hold to tell keys apart) reveals nothing of the key.
 */
export class AuditKey {
  readonly #chain: Buffer;
  readonly #heads: Buffer;
  /** 16 hex digits naming the key: the cut-over entry records it, so a process with another key is refused. */
  readonly id: string;

  constructor(secret: Buffer) {
    const derive = (purpose: string) => createHmac('sha256', secret).update(purpose).digest();
    this.#chain = derive('dbtools support-log chain');
    this.#heads = derive('dbtools published heads');
    this.id = derive('dbtools audit key id').subarray(0, 8).toString('hex');
  }

  signEntry(text: string): string {
    return createHmac('sha256', this.#chain).update(text).digest('hex');
  }

  signHead(text: string): string {
    return createHmac('sha256', this.#heads).update(text).digest('hex');
  }

  headSignatureMatches(text: string, mac: string): boolean {
    const expected = Buffer.from(this.signHead(text), 'hex');
    const given = Buffer.from(/^[0-9a-f]{64}$/.test(mac) ? mac : '', 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Never printed or logged by accident. */
  toJSON(): string {
    return `AuditKey(${this.id})`;
  }
}

/**
 * Carries the key with a metabase handle: Kysely hands a handle's plugins to its transactions,
 * so the one support-log writer finds the key in whatever transaction its caller has, and two
 * platforms in one process (tests) keep their own keys. It changes no query.
 */
class AuditKeyPlugin implements KyselyPlugin {
  constructor(readonly key: AuditKey) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

export function auditKeyPlugin(key: AuditKey): KyselyPlugin {
  return new AuditKeyPlugin(key);
}

/** The audit key of a metabase handle (or of a transaction on it). */
export function auditKeyOf<DB>(db: Kysely<DB>): AuditKey {
  const plugin = db.getExecutor().plugins.find((p): p is AuditKeyPlugin => p instanceof AuditKeyPlugin);
  if (!plugin) throw new Error('This metabase handle has no audit key: connect it with auditKeyPlugin (startPlatform does).');
  return plugin.key;
}
