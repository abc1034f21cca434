import { Link } from 'react-router';
import { formatDateTime, formatNumber, relative } from '../format.js';
import { useToolsPage } from '../tools/context.js';
import type { GitChange, GitFileStatus, GitRepoStatus } from '../types.js';
import { ModeBadge } from './ModeBadge.js';
import { TenantText } from './TenantText.js';

export function emailUsage(db: {
  email_daily_count: number;
  email_daily_limit: number;
  ext_email_daily_count: number | null;
  email_total_count: number;
}): string {
  const external = db.ext_email_daily_count === null ? 'unknown (the database cannot be read)' : formatNumber(db.ext_email_daily_count);
  return (
    `${formatNumber(db.email_daily_count)} sent today out of ${formatNumber(db.email_daily_limit)}. ` +
    `${external} sent today via an external server. ` +
    `${formatNumber(db.email_total_count)} sent in total.`
  );
}

export function StatusPanel() {
  const { model } = useToolsPage();
  const db = model.database;
  return (
    <section className="card status-panel" aria-labelledby="status-title">
      <h2 id="status-title">Database Status</h2>
      <dl className="status-grid">
        <div>
          <dt>Name</dt>
          <dd>
            <TenantText value={db.name} />
          </dd>
        </div>
        <div className="span-2">
          <dt>UUID</dt>
          <dd className="mono">{db.uuid}</dd>
        </div>
        <div>
          <dt>Subscription code</dt>
          <dd className="mono">
            <TenantText value={db.subcode} />
          </dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd className="mono">{db.version}</dd>
        </div>
        <div>
          <dt>Mode</dt>
          <dd>
            <ModeBadge mode={db.mode} extraApps={db.extra_apps} />
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd className={db.locked ? 'status locked' : 'status'}>
            <TenantText value={db.status} />
          </dd>
        </div>
        <div>
          <dt>Expiration date</dt>
          <dd>
            {formatDateTime(db.expire_date)}
            {db.expire_date && <span className="muted"> · {relative(db.expire_date)}</span>}
          </dd>
        </div>
        <div className="span-2">
          <dt>E-mail usage</dt>
          <dd>{emailUsage(db)}</dd>
        </div>
        <div>
          <dt>Server</dt>
          <dd>
            <TenantText value={db.server} />
          </dd>
        </div>
        {db.duplicate_of && (
          <div>
            <dt>Duplicate of</dt>
            <dd>
              <Link to={'/databases/' + encodeURIComponent(db.duplicate_of)}>{db.duplicate_of}</Link>
            </dd>
          </div>
        )}
      </dl>
      {model.git && <GitStatus repos={model.git} />}
    </section>
  );
}

const REPO_TITLES: Record<GitRepoStatus['repo'], string> = {
  odoo: 'Odoo',
  enterprise: 'Enterprise',
  'design-themes': 'Design Themes',
  internal: 'Internal',
};

/** The code the hosting server runs: what an agent would otherwise check with ssh and git. */
function GitStatus({ repos }: { repos: GitRepoStatus[] }) {
  return (
    <div className="git-status">
      <h3 id="git-status-title">Git Status</h3>
      <dl className="status-grid" aria-labelledby="git-status-title">
        {repos.map((r) => (
          <div key={r.repo} className="span-2">
            <dt>{REPO_TITLES[r.repo] ?? r.repo}</dt>
            <dd>{r.error ? <span className="git-error">{r.error}</span> : <GitCommit status={r} />}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function GitCommit({ status }: { status: GitRepoStatus }) {
  const changes = status.changes ?? { count: 0, files: [] };
  const more = changes.count - changes.files.length;
  return (
    <>
      <span className="mono">{status.commit}</span> <bdi>{status.subject}</bdi>
      <div className="muted">
        {formatDateTime(status.date)}
        {status.date && <> · {relative(status.date)}</>}
      </div>
      <GitBranch status={status} />
      {changes.count > 0 ? (
        <>
          <div className="git-changes">
            With local changes ({formatNumber(changes.count)} {changes.count === 1 ? 'file' : 'files'})
            {more > 0 && <>, the first {formatNumber(changes.files.length)}:</>}
          </div>
          <div className="table-wrap">
            <table className="compact git-files">
              <caption className="sr-only">Local changes of {REPO_TITLES[status.repo] ?? status.repo}</caption>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Staged</th>
                  <th scope="col">Not staged</th>
                </tr>
              </thead>
              <tbody>
                {changes.files.map((f) => (
                  <GitFileRow key={`${f.from ?? ''}\0${f.path}`} file={f} />
                ))}
              </tbody>
            </table>
          </div>
          {more > 0 && <div className="muted">and {formatNumber(more)} more</div>}
        </>
      ) : (
        <div className="muted">No local changes</div>
      )}
    </>
  );
}

/** The branch line of `git status`: the branch or a detached HEAD, its upstream, how far apart. */
function GitBranch({ status }: { status: GitRepoStatus }) {
  if (status.branch === undefined) return null;
  if (status.branch === null) return <div>HEAD detached at <span className="mono">{status.commit}</span></div>;
  const up = status.upstream;
  return (
    <div className="git-branch">
      On branch <TenantText value={status.branch} className="mono" />
      {!up ? (
        <span className="muted"> · no upstream</span>
      ) : 'gone' in up ? (
        <>
          {' '}
          · upstream <TenantText value={up.name} className="mono" /> <span className="git-gone">is gone</span>
        </>
      ) : (
        <>
          {' '}
          · upstream <TenantText value={up.name} className="mono" />: {aheadBehind(up.ahead, up.behind)}
        </>
      )}
    </div>
  );
}

function aheadBehind(ahead: number, behind: number): string {
  if (!ahead && !behind) return 'up to date';
  const commits = (n: number) => `${formatNumber(n)} ${n === 1 ? 'commit' : 'commits'}`;
  return [ahead && `${commits(ahead)} ahead`, behind && `${commits(behind)} behind`].filter(Boolean).join(', ');
}

/** `git status`'s words for each state (its long format: "new file", "typechange", "both modified"). */
const CHANGE_WORDS: Record<GitChange | 'untracked' | 'ignored', string> = {
  modified: 'modified',
  'type-changed': 'typechange',
  added: 'new file',
  deleted: 'deleted',
  renamed: 'renamed',
  copied: 'copied',
  untracked: 'untracked',
  ignored: 'ignored',
};

function GitFileRow({ file }: { file: GitFileStatus }) {
  const name = (
    <>
      {file.from !== undefined && (
        <>
          <TenantText value={visibleControls(file.from)} className="mono" /> →{' '}
        </>
      )}
      <TenantText value={visibleControls(file.path)} className="mono" />
    </>
  );
  if (file.conflict)
    return (
      <tr>
        <td>{name}</td>
        <td colSpan={2} className="git-conflict">
          unmerged: {file.conflict.replace(/-/g, ' ')}
        </td>
      </tr>
    );
  return (
    <tr>
      <td>{name}</td>
      <td>{file.staged ? CHANGE_WORDS[file.staged] : '—'}</td>
      <td>{file.unstaged ? CHANGE_WORDS[file.unstaged] : '—'}</td>
    </tr>
  );
}

/**
 * A file name as git quotes one holding a control character (core.quotePath off: other
 * characters, accents and emoji, stay as they are): in double quotes, the newline or tab as its
 * escape, so one name cannot look like two lines or hide a character.
 */
function visibleControls(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this finds
  const control = /[\u0000-\u001f\u007f]/g;
  if (!name.match(control)) return name;
  const escaped = name
    .replace(/["\\]/g, (c) => `\\${c}`)
    .replace(control, (c) =>
      c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`,
    );
  return `"${escaped}"`;
}
