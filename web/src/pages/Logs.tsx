import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, errorMessage, getStream } from '../api.js';
import { useGet } from '../load.js';
import type { ApiEvent } from '../types.js';

/** One value of the search's NDJSON stream: a batch of lines, the end, or a failure midway. */
type SearchEvent = ApiEvent<'GET /api/logs/:server/search'>;

/** One line as the search and the tail answer it (src/logs/scan.ts). */
type LogLine = Extract<SearchEvent, { lines: unknown }>['lines'][number];

interface LogsModel {
  server: string | null;
  files: { name: string; size: number; compressed: boolean }[];
}

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
/** The live tail stops after this long without the agent touching the page (a forgotten tab costs nothing). */
const IDLE_MS = 5 * 60_000;
/** The live view keeps the newest lines only. */
const MAX_LIVE_LINES = 5_000;

interface Filters {
  db: string;
  levels: string[];
  logger: string;
  q: string;
  regex: boolean;
  from: string;
  to: string;
  context: number;
  file: string;
}

function filtersFrom(params: URLSearchParams, database: string): Filters {
  return {
    db: params.get('db') ?? database,
    levels: (params.get('level') ?? '').split(',').filter(Boolean),
    logger: params.get('logger') ?? '',
    q: params.get('q') ?? '',
    regex: params.get('regex') === 'true',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    context: Number(params.get('context') ?? 0) || 0,
    file: params.get('file') ?? '',
  };
}

/** The query of the API for these filters (datetime-local inputs are read as UTC, like the log). */
function apiQuery(f: Filters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  if (f.db) p.set('db', f.db);
  if (f.levels.length) p.set('level', f.levels.join(','));
  if (f.logger) p.set('logger', f.logger);
  if (f.q) p.set('q', f.q);
  if (f.q && f.regex) p.set('regex', 'true');
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

function searchQuery(f: Filters): string {
  const extra: Record<string, string> = { context: String(f.context) };
  if (f.from) extra.from = `${f.from}Z`;
  if (f.to) extra.to = `${f.to}Z`;
  if (f.file) extra.file = f.file;
  return apiQuery(f, extra);
}

function levelClass(level: string | undefined): string {
  return level ? `log-line level-${level.toLowerCase()}` : 'log-line';
}

/**
 * Log entries (a head line and its continuation, e.g. a traceback) holding a hit: what the agent
 * asked for, not the context lines shown around them.
 */
function matchingEntries(lines: LogLine[]): number {
  let count = 0;
  let counted = false;
  for (const l of lines) {
    if (l.time && l.text.startsWith(l.time)) counted = false;
    if (l.hit && !counted) {
      count++;
      counted = true;
    }
  }
  return count;
}

function LogLines({
  lines,
  target,
  permalink,
  highlight,
}: {
  /** Mark the hits: only when the agent searched for a text (without one, every shown entry "matches"). */
  highlight: boolean;
  lines: LogLine[];
  target?: { file: string; n: number };
  permalink(line: LogLine): string;
}) {
  return (
    <ol className="log-lines">
      {lines.map((l) => {
        const isTarget = target && l.file === target.file && l.n === target.n;
        return (
          <li
            key={`${l.file}:${l.n}`}
            id={`line-${l.file}-${l.n}`}
            className={`${levelClass(l.level)}${highlight && l.hit ? ' hit' : ''}${isTarget ? ' target' : ''}`}
            data-n={l.n}
            aria-current={isTarget ? 'true' : undefined}
          >
            <Link className="line-no" to={permalink(l)} aria-label={`Link to line ${l.n} of ${l.file}`}>
              {l.n}
            </Link>
            {l.level && l.time && l.text.startsWith(l.time) && <span className="sr-only">{l.level} </span>}
            <span className="line-text">{l.text}</span>
          </li>
        );
      })}
    </ol>
  );
}

/**
 * The technical logs viewer: a live tail of the hosting server's log (server-sent events) with
 * pause, resume and clear, and a search over the plain and gzipped days with filters, context
 * lines, permalinks and a download of what it found. What an agent would otherwise do with ssh,
 * tail -f and grep.
 */
export function LogsPage() {
  const { name = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const page = useGet('GET /api/databases/:name', { params: { name } });
  const model =
    page.data?.database.name === name
      ? (page.data.tools.tech_logs as unknown as LogsModel | undefined)
      : undefined;
  const server = model?.server ?? null;
  const filters = useMemo(() => filtersFrom(params, name), [params, name]);
  const line = Number(params.get('line')) || 0;
  const searching = params.get('mode') === 'search' || line > 0;

  const [lines, setLines] = useState<LogLine[]>([]);
  const [paused, setPaused] = useState(false);
  const [idle, setIdle] = useState(false);
  const [waiting, setWaiting] = useState(0);
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState<string>('');
  const pausedBuffer = useRef<LogLine[]>([]);
  const pausedRef = useRef(false);
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useEffect(() => {
    document.title = `Logs · ${name} · dbtools`;
  }, [name]);

  // Idle detection: any interaction with the page counts; 5 minutes without one stops the tail.
  const [activity, setActivity] = useState(0);
  useEffect(() => {
    const touch = () => setActivity((a) => a + 1);
    const events = ['pointerdown', 'keydown', 'wheel', 'scroll', 'mousemove'] as const;
    let last = 0;
    const throttled = () => {
      if (Date.now() - last > 5_000) {
        last = Date.now();
        touch();
      }
    };
    for (const e of events) window.addEventListener(e, throttled, { passive: true, capture: true });
    return () => {
      for (const e of events) window.removeEventListener(e, throttled, { capture: true });
    };
  }, []);
  useEffect(() => {
    if (searching || idle) return;
    const t = setTimeout(() => setIdle(true), IDLE_MS);
    return () => clearTimeout(t);
  }, [activity, searching, idle]);

  // The live tail.
  const tailQuery = apiQuery(filters);
  useEffect(() => {
    if (!server || searching || idle) return;
    setError(undefined);
    setStatus('Connecting to the live log…');
    // The last matching lines first, so the view does not open empty on a quiet database.
    const source = new EventSource(
      `${api.path('GET /api/logs/:server/tail', { params: { server } })}?${tailQuery}&backlog=200`,
    );
    source.onmessage = (event) => {
      const batch = (JSON.parse(event.data as string) as ApiEvent<'GET /api/logs/:server/tail'>).lines;
      if (pausedRef.current) {
        pausedBuffer.current.push(...batch);
        setWaiting(pausedBuffer.current.length);
        return;
      }
      setLines((old) => [...old, ...batch].slice(-MAX_LIVE_LINES));
    };
    source.onerror = () => setStatus('Connection lost; retrying…');
    source.onopen = () => setStatus('Following the live log…');
    return () => source.close();
  }, [server, searching, idle, tailQuery]);

  // A search (or a permalink): one streamed request; its lines are shown as they arrive.
  const search = searchQuery(filters);
  useEffect(() => {
    if (!server || !searching) return;
    const stop = new AbortController();
    setStatus('Searching…');
    setError(undefined);
    setLines([]);
    const q = line
      ? `file=${encodeURIComponent(filters.file)}&line=${line}&context=${Math.max(filters.context, 20)}`
      : search;
    const found: LogLine[] = [];
    const describe = (truncated: boolean | undefined) => {
      const entries = matchingEntries(found);
      const counts = `${entries} matching ${entries === 1 ? 'entry' : 'entries'}, ${found.length} ${found.length === 1 ? 'line' : 'lines'}`;
      return truncated === undefined
        ? `Searching… ${counts} so far.`
        : `${counts} shown with their context${truncated ? ' (the first ones only: narrow the search)' : ''}.`;
    };
    getStream(
      'GET /api/logs/:server/search',
      `${api.path('GET /api/logs/:server/search', { params: { server } })}?${q}`,
      (answer) => {
        if ('lines' in answer) {
          found.push(...answer.lines);
          // A new array per batch (React compares by identity); batches are a megabyte of log apart.
          setLines(found.slice());
          setStatus(describe(undefined));
        } else if ('done' in answer) setStatus(describe(answer.truncated));
        else if ('error' in answer) {
          setError(answer.error.message);
          setStatus(describe(undefined).replace('Searching… ', 'Stopped: '));
        }
      },
      stop.signal,
    ).catch((e: unknown) => {
      if (stop.signal.aborted) return;
      setError(errorMessage(e));
      setStatus('');
    });
    return () => stop.abort();
  }, [server, searching, search, line, filters.file, filters.context]);

  // Auto-scroll only when the agent is at the bottom already (reading older lines is not disturbed).
  const onScroll = useCallback(() => {
    const el = box.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  }, []);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (line) {
      document.getElementById(`line-${filters.file}-${line}`)?.scrollIntoView({ block: 'center' });
    } else if (!searching && atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [lines, line, searching, filters.file]);

  function pause() {
    pausedRef.current = true;
    setPaused(true);
  }
  function resume() {
    pausedRef.current = false;
    setPaused(false);
    const buffered = pausedBuffer.current.splice(0);
    setWaiting(0);
    if (buffered.length) setLines((old) => [...old, ...buffered].slice(-MAX_LIVE_LINES));
  }
  function wake() {
    setIdle(false);
    setActivity((a) => a + 1);
  }

  function apply(event: FormEvent<HTMLFormElement>, mode: 'live' | 'search') {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of ['db', 'logger', 'q', 'from', 'to', 'context', 'file']) {
      const v = String(data.get(key) ?? '').trim();
      if (v && !(key === 'context' && v === '0')) next.set(key, v);
    }
    if (!data.get('db')) next.set('db', '');
    const levels = data.getAll('level').map(String);
    if (levels.length) next.set('level', levels.join(','));
    if (data.get('regex') === 'on') next.set('regex', 'true');
    if (mode === 'search') next.set('mode', 'search');
    setLines([]);
    atBottom.current = true;
    setParams(next);
  }

  const permalink = (l: LogLine) => {
    const p = new URLSearchParams({ file: l.file, line: String(l.n), db: filters.db });
    return `/databases/${encodeURIComponent(name)}/logs?${p}`;
  };

  const download = useMemo(() => {
    if (!lines.length) return undefined;
    return URL.createObjectURL(
      new Blob([lines.map((l) => l.text).join('\n') + '\n'], { type: 'text/plain' }),
    );
  }, [lines]);
  useEffect(() => () => (download ? URL.revokeObjectURL(download) : undefined), [download]);

  if (!model) {
    return (
      <>
        <p className="crumbs">
          <Link to="/">Databases</Link> / <Link to={`/databases/${encodeURIComponent(name)}`}>{name}</Link> /
        </p>
        <h1>Technical logs</h1>
        {page.error || (page.data && !model) ? (
          <p className="error" role="alert">
            {page.error ?? 'Your level does not give access to technical logs.'}
          </p>
        ) : (
          <p aria-busy="true">Loading…</p>
        )}
      </>
    );
  }

  const target = line ? { file: filters.file, n: line } : undefined;
  return (
    <>
      <p className="crumbs">
        <Link to="/">Databases</Link> / <Link to={`/databases/${encodeURIComponent(name)}`}>{name}</Link> /
      </p>
      <h1>Technical logs of {server}</h1>
      <form className="card log-filters" aria-label="Log filters" onSubmit={(e) => apply(e, 'search')}>
        <div className="filter-grid">
          <div className="field">
            <label htmlFor="log-db">Database</label>
            <input
              id="log-db"
              name="db"
              defaultValue={filters.db}
              placeholder="all databases"
              key={`db-${filters.db}`}
            />
          </div>
          <fieldset className="field levels">
            <legend>Level</legend>
            {LEVELS.map((l) => (
              <label key={l} className={`level-choice level-${l.toLowerCase()}`}>
                <input
                  type="checkbox"
                  name="level"
                  value={l}
                  defaultChecked={filters.levels.includes(l)}
                  key={`${l}-${filters.levels.join()}`}
                />{' '}
                {l}
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor="log-logger">Logger</label>
            <input
              id="log-logger"
              name="logger"
              defaultValue={filters.logger}
              placeholder="odoo.http"
              key={`lg-${filters.logger}`}
            />
          </div>
          <div className="field wide">
            <label htmlFor="log-q">Text</label>
            <input id="log-q" name="q" defaultValue={filters.q} key={`q-${filters.q}`} />
            <label className="inline">
              <input
                type="checkbox"
                name="regex"
                defaultChecked={filters.regex}
                key={`re-${filters.regex}`}
              />{' '}
              Regular expression
            </label>
          </div>
          <div className="field">
            <label htmlFor="log-from">From (UTC)</label>
            <input
              id="log-from"
              name="from"
              type="datetime-local"
              step="1"
              defaultValue={filters.from}
              key={`f-${filters.from}`}
            />
          </div>
          <div className="field">
            <label htmlFor="log-to">To (UTC)</label>
            <input
              id="log-to"
              name="to"
              type="datetime-local"
              step="1"
              defaultValue={filters.to}
              key={`t-${filters.to}`}
            />
          </div>
          <div className="field">
            <label htmlFor="log-context">Context lines</label>
            <input
              id="log-context"
              name="context"
              type="number"
              min={0}
              max={50}
              defaultValue={filters.context}
              key={`c-${filters.context}`}
            />
          </div>
          <div className="field wide">
            <label htmlFor="log-file">File</label>
            <select id="log-file" name="file" defaultValue={filters.file} key={`file-${filters.file}`}>
              <option value="">Live file, or the time range’s days</option>
              {model.files.map((f) => (
                <option key={f.name} value={f.name}>
                  {f.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="actions">
          <button type="submit" className="button primary">
            Search
          </button>
          <button
            type="button"
            className="button"
            onClick={(e) => {
              const form = e.currentTarget.form!;
              apply(
                {
                  preventDefault: () => undefined,
                  currentTarget: form,
                } as unknown as FormEvent<HTMLFormElement>,
                'live',
              );
            }}
          >
            Follow live with these filters
          </button>
        </div>
      </form>

      <section className="card log-view" aria-labelledby="log-view-title">
        <div className="card-head">
          <h2 id="log-view-title">
            {searching ? (line ? `Line ${line} of ${filters.file}` : 'Search results') : 'Live tail'}
          </h2>
          <div className="actions">
            {!searching &&
              !idle &&
              (paused ? (
                <button type="button" className="button" onClick={resume}>
                  Resume{waiting ? ` (${waiting} new)` : ''}
                </button>
              ) : (
                <button type="button" className="button" onClick={pause}>
                  Pause
                </button>
              ))}
            {!searching && (
              <button type="button" className="button" onClick={() => setLines([])}>
                Clear
              </button>
            )}
            {searching && (
              <button
                type="button"
                className="button"
                onClick={() => setParams(new URLSearchParams({ db: filters.db }))}
              >
                Back to live tail
              </button>
            )}
            {download && (
              <a className="button" href={download} download={`${server}-logs.txt`}>
                Download these lines
              </a>
            )}
          </div>
        </div>
        <p className="muted small" role="status" aria-live="polite">
          {idle
            ? 'The live tail stopped after 5 minutes without activity.'
            : paused
              ? 'Paused: new lines wait until you resume.'
              : status}
        </p>
        {idle && !searching && (
          <p>
            <button type="button" className="button primary" onClick={wake}>
              Resume the live tail
            </button>
          </p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="log-box" ref={box} onScroll={onScroll} tabIndex={0} aria-label="Log lines">
          {lines.length ? (
            <LogLines
              lines={lines}
              target={target}
              permalink={permalink}
              highlight={filters.q.trim() !== ''}
            />
          ) : (
            <p className="muted">{searching ? 'No line.' : 'Waiting for new lines…'}</p>
          )}
        </div>
      </section>
    </>
  );
}
