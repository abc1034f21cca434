import { z } from 'zod';
import { gitRepoPaths } from '../config/config.js';

/**
 * The git status of a deployed checkout, declared once: the porcelain reader and the status
 * reader build these types, and the Tools page's answer schema (src/api/routes/databases.ts)
 * sends them, so a field added here is one the page may carry.
 */

/** A change on one side, as `git status` names it. */
export const gitChange = z.enum(['modified', 'type-changed', 'added', 'deleted', 'renamed', 'copied']);
export type GitChange = z.infer<typeof gitChange>;

/** An unmerged path, in the words `git status` lists it with under "Unmerged paths". */
export const gitConflict = z.enum([
  'both-modified',
  'both-added',
  'both-deleted',
  'added-by-us',
  'added-by-them',
  'deleted-by-us',
  'deleted-by-them',
]);
export type GitConflict = z.infer<typeof gitConflict>;

/** One path `git status` lists, with its staged and unstaged state apart. */
export const gitFileStatus = z.object({
  path: z.string(),
  /** The path before a rename or copy. */
  from: z.string().optional(),
  /** The index against HEAD; null when nothing is staged. */
  staged: gitChange.nullable(),
  /**
   * The work tree against the index; `untracked` for a file the index does not hold (also beside
   * a staged deletion of the same path), `ignored` only when git was asked to show those.
   */
  unstaged: z.union([gitChange, z.enum(['untracked', 'ignored'])]).nullable(),
  /** Set for an unmerged path; it then has no staged or unstaged state of its own. */
  conflict: gitConflict.optional(),
});
export type GitFileStatus = z.infer<typeof gitFileStatus>;

/** The branch's upstream: how far apart they are, or that it no longer exists on the remote. */
export const gitUpstream = z.union([
  z.object({ name: z.string(), ahead: z.number().int(), behind: z.number().int() }),
  z.object({ name: z.string(), gone: z.literal(true) }),
]);
export type GitUpstream = z.infer<typeof gitUpstream>;

/** One checkout as the Tools page shows it: its commit and local changes, or why it cannot be read. */
export const gitRepoStatus = z.object({
  /** Which checkout: a key of the server's `gitRepos` in the config file. */
  repo: gitRepoPaths.keyof(),
  /** Short hash of the commit checked out. */
  commit: z.string().optional(),
  subject: z.string().optional(),
  /** Author date, ISO 8601 with the author's offset. */
  date: z.string().optional(),
  /** The branch checked out; null when the HEAD is detached. */
  branch: z.string().nullable().optional(),
  /** What the branch tracks and how far apart they are; null when it tracks nothing. */
  upstream: gitUpstream.nullable().optional(),
  /**
   * The paths `git status` lists (staged, unstaged, unmerged, untracked): how many, and the first
   * few with their staged and unstaged state. A path in two states (deleted in the index, back
   * as an untracked file) counts once.
   */
  changes: z.object({ count: z.number().int(), files: z.array(gitFileStatus) }).optional(),
  /** In words, for the agent: missing folder, not a repository, git failing or too slow. */
  error: z.string().optional(),
});
export type GitRepoStatus = z.infer<typeof gitRepoStatus>;
