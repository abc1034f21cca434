import type { Config } from '../config/config.js';
import { GIT_REPOS, gitRepoPathsOf } from './repositories.js';
import type { GitRepoStatus } from './status-schema.js';
import { readGitStatus, type GitStatusOptions } from './status.js';

/**
 * The git status of a server's four checkouts, read at most once per `ttlMs` per server.
 *
 * Why a cache, and why in memory: every Tools page of a database on the server shows the same
 * four statuses, and a status of an Odoo checkout walks ~60k files. Twenty agents opening pages
 * would otherwise spawn 160 gits (two a checkout) for one answer. The answer is an observation of the disk,
 * not platform state, so nothing is lost with the process and a few seconds stale is harmless
 * (a deploy shows on the next page load). Concurrent callers share the read in flight.
 */
export class GitStatusCache {
  /** `readAt` is null while the read is in flight: a hung disk must not pile up gits page after page. */
  private readonly entries = new Map<string, { readAt: number | null; statuses: Promise<GitRepoStatus[]> }>();

  constructor(
    private readonly ttlMs = 5_000,
    private readonly options: GitStatusOptions = {},
    private readonly clock: () => number = () => performance.now(),
  ) {}

  of(config: Config, serverName: string): Promise<GitRepoStatus[]> {
    const now = this.clock();
    // Expired entries go on every call: the map stays as small as the set of servers read lately.
    for (const [entryKey, entry] of this.entries) {
      if (entry.readAt !== null && now - entry.readAt >= this.ttlMs) this.entries.delete(entryKey);
    }
    const paths = gitRepoPathsOf(config, serverName);
    // The folders are part of the key: a server whose configured folders change is read afresh.
    const key = JSON.stringify([serverName, paths]);
    const cached = this.entries.get(key);
    if (cached) return cached.statuses;
    const entry = {
      readAt: null as number | null,
      statuses: Promise.all(GIT_REPOS.map((repo) => readGitStatus(repo, paths[repo], this.options))),
    };
    this.entries.set(key, entry);
    const stamp = () => {
      entry.readAt = this.clock();
    };
    entry.statuses.then(stamp, stamp);
    return entry.statuses;
  }
}

/** The one cache of this process, shared by every Tools page it serves. */
export const serverGitStatus = new GitStatusCache();
