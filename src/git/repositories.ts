import path from 'node:path';
import type { Config, HostingServerConfig } from '../config/config.js';
import { EMBEDDED_SERVERS, embeddedServerRoot } from '../platform.js';

export type GitRepo = keyof NonNullable<HostingServerConfig['gitRepos']>;

// A Record, so the list and the config file's keys cannot drift apart.
const LISTED: Record<GitRepo, true> = { odoo: true, enterprise: true, 'design-themes': true, internal: true };

/** The four checkouts every hosting server runs, in the order the Tools page lists them. */
export const GIT_REPOS = Object.keys(LISTED) as GitRepo[];

export type GitRepoPaths = Partial<Record<GitRepo, string>>;

/** Where an embedded hosting server keeps its checkouts: beside its filestores and logs. */
export function embeddedGitRepoPaths(dataDir: string, serverName?: string): Record<GitRepo, string> {
  const root = path.join(embeddedServerRoot(dataDir, serverName), 'src');
  return Object.fromEntries(GIT_REPOS.map((repo) => [repo, path.join(root, repo)])) as Record<
    GitRepo,
    string
  >;
}

/**
 * The checkout folders of a hosting server: the `gitRepos` of its entry in the config file, or,
 * for an embedded server (no external metabase), the folders the demo creates.
 */
export function gitRepoPathsOf(config: Config, serverName: string): GitRepoPaths {
  const configured = config.servers.find((s) => s.name === serverName);
  if (configured) return configured.gitRepos ?? {};
  const embedded = (EMBEDDED_SERVERS as readonly string[]).includes(serverName);
  if (embedded && !config.metabaseUrl) return embeddedGitRepoPaths(config.dataDir, serverName);
  return {};
}
