import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, errorMessage } from '../api.js';
import { ModeBadge } from '../components/ModeBadge.js';
import { formatDateTime } from '../format.js';
import type { DatabaseListItem, Mode } from '../types.js';
import { TenantText } from '../components/TenantText.js';

const PAGE = 50;
type Filter = 'q' | 'mode' | 'status' | 'server';

/** The search the address asks for, a page of it. */
function searchInput(params: URLSearchParams, cursor?: string) {
  const filter = (f: Filter) => params.get(f)?.trim() || undefined;
  return {
    query: {
      q: filter('q'),
      // The address is typed by hand: the server refuses a mode it does not know, and the page says why.
      mode: filter('mode') as Mode | undefined,
      status: filter('status'),
      server: filter('server'),
      limit: PAGE,
      cursor,
    },
  };
}

const toolsUrl = (name: string) => '/databases/' + encodeURIComponent(name);

/**
 * The server filter's choices: the hosting servers (GET /api/servers), plus the one the address
 * asks for if the list lacks it (a level without the servers key filters by the address alone).
 */
function useServerNames(current: string | null): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    api.call('GET /api/servers').then(
      (a) => live && setNames(a.items.map((s) => s.name)),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return current && !names.includes(current) ? [...names, current] : names;
}

export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const box = useRef<HTMLInputElement>(null);
  // What is typed, ahead of the URL (which follows after a short pause).
  const [typed, setTyped] = useState(params.get('q') ?? '');
  const [items, setItems] = useState<DatabaseListItem[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const request = useRef(0);
  const key = api.path('GET /api/databases', searchInput(params));
  const serverNames = useServerNames(params.get('server'));

  useEffect(() => {
    document.title = 'Search · dbtools';
    box.current?.focus();
    // "/" anywhere but in a field jumps to the search box.
    const onKey = (e: globalThis.KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      // Only where "/" is text being typed does it keep its meaning.
      const typing = t instanceof HTMLInputElement ? !['checkbox', 'radio', 'button', 'submit'].includes(t.type) : false;
      if (typing || t.closest('textarea, [contenteditable="true"]')) return;
      e.preventDefault();
      box.current?.focus();
      box.current?.select();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    const handle = setTimeout(() => {
      if ((params.get('q') ?? '') === typed) return;
      const next = new URLSearchParams(params);
      if (typed) next.set('q', typed);
      else next.delete('q');
      setParams(next, { replace: true });
    }, 150);
    return () => clearTimeout(handle);
  }, [typed, params, setParams]);

  useEffect(() => {
    const id = ++request.current;
    setLoading(true);
    api.call('GET /api/databases', searchInput(params)).then(
      (a) => {
        if (id !== request.current) return;
        setItems(a.items);
        setNextCursor(a.nextCursor);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (id !== request.current) return;
        setError(errorMessage(e));
        setLoading(false);
      },
    );
  }, [key]);

  async function more() {
    if (!nextCursor) return;
    const id = ++request.current;
    setLoading(true);
    try {
      const a = await api.call('GET /api/databases', searchInput(params, nextCursor));
      if (id !== request.current) return;
      setItems((prev) => [...prev, ...a.items]);
      setNextCursor(a.nextCursor);
    } catch (e) {
      if (id === request.current) setError(errorMessage(e));
    } finally {
      if (id === request.current) setLoading(false);
    }
  }

  function setFilter(name: Filter, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  }

  function onBoxKey(e: KeyboardEvent<HTMLInputElement>) {
    // "/" is the shortcut to this box, and no name, uuid or subscription code holds one: pressed
    // here it selects what is typed (the next key replaces it) instead of typing "/".
    if (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      e.currentTarget.select();
      return;
    }
    if (e.key === 'Enter' && items.length > 0 && (params.get('q') ?? '') === typed) {
      e.preventDefault();
      navigate(toolsUrl(items[0].name));
    } else if (e.key === 'ArrowDown') {
      const first = document.querySelector<HTMLAnchorElement>('.results tbody a');
      if (first) {
        e.preventDefault();
        first.focus();
      }
    }
  }

  function onRowKey(e: KeyboardEvent<HTMLTableRowElement>) {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const row = e.currentTarget;
    const sibling = (e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling) as HTMLElement | null;
    const target = sibling?.querySelector<HTMLAnchorElement>('a') ?? (e.key === 'ArrowUp' ? box.current : null);
    if (target) {
      e.preventDefault();
      target.focus();
    }
  }

  return (
    <>
      <div className="page-head">
        <h1>Databases</h1>
        <p className="muted">
          Name, uuid prefix or subscription code. Press <kbd>/</kbd> to search, <kbd>Enter</kbd> to open the first
          result, <kbd>↓</kbd> to walk the list.
        </p>
      </div>
      <form className="search-bar" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field grow">
          <label htmlFor="q">Search</label>
          <input
            ref={box}
            id="q"
            type="search"
            value={typed}
            placeholder="acme, 3f2a…, M2301…"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setTyped(e.target.value)}
            onKeyDown={onBoxKey}
          />
        </div>
        <div className="field">
          <label htmlFor="mode">Mode</label>
          <select id="mode" value={params.get('mode') ?? ''} onChange={(e) => setFilter('mode', e.target.value)}>
            <option value="">Any</option>
            <option value="trial">trial</option>
            <option value="paid">paid</option>
            <option value="drop">drop</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="status">Status</label>
          <select id="status" value={params.get('status') ?? ''} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">Any</option>
            {['open', 'pending', 'close', 'cancel', 'maintenance'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="server">Server</label>
          <select id="server" value={params.get('server') ?? ''} onChange={(e) => setFilter('server', e.target.value)}>
            <option value="">Any</option>
            {serverNames.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </form>

      {error && (
        <p className="error" role="alert">
          <TenantText value={error} sentence />
        </p>
      )}
      <div className="table-wrap">
        <table className="results stack" aria-busy={loading}>
          <caption className="sr-only">Databases matching the search</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Mode</th>
              <th scope="col">Status</th>
              <th scope="col">Version</th>
              <th scope="col">Expiry</th>
              <th scope="col">Duplicate of</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.name} onClick={() => navigate(toolsUrl(d.name))} onKeyDown={onRowKey}>
                <td>
                  <Link to={toolsUrl(d.name)} onClick={(e) => e.stopPropagation()}>
                    <TenantText value={d.name} />
                  </Link>
                  <div className="sub mono">
                    <TenantText value={d.uuid} />
                  </div>
                </td>
                <td data-label="Mode">
                  <ModeBadge mode={d.mode} extraApps={d.extra_apps} />
                </td>
                <td data-label="Status">
                  <span className={d.status.includes('maintenance') ? 'status locked' : 'status'}>
                    <TenantText value={d.status} />
                  </span>
                </td>
                <td className="mono" data-label="Version">{d.version}</td>
                <td className="nowrap" data-label="Expiry">{d.expire_date ? formatDateTime(d.expire_date) : '—'}</td>
                <td data-label={d.duplicate_of ? 'Duplicate of' : undefined}>
                  <TenantText value={d.duplicate_of} empty="" />
                </td>
              </tr>
            ))}
            {!loading && items.length === 0 && !error && (
              <tr>
                <td colSpan={6} className="empty">
                  No database matches.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="table-foot">
        <span className="muted" role="status">
          {loading ? 'Loading…' : `${items.length} shown${nextCursor ? ', more available' : ''}`}
        </span>
        {nextCursor && (
          <button type="button" className="button" onClick={() => void more()} disabled={loading}>
            More
          </button>
        )}
      </div>
    </>
  );
}
