import { Link, Navigate, NavLink, Outlet, useLocation } from 'react-router';
import { usePolicy } from '../load.js';
import { useSession } from '../session.js';

/** The Outbox is for the levels the access map allows `outbox` (rendered once logged in: the policy needs a session). */
function OutboxLink({ level }: { level: number }) {
  const policy = usePolicy();
  const needed = policy?.accessMap.outbox;
  if (needed === undefined || level < needed) return null;
  return <NavLink to="/outbox">Outbox</NavLink>;
}

/** The Servers page is for the levels the access map allows `servers`. */
function ServersLink({ level }: { level: number }) {
  const policy = usePolicy();
  const needed = policy?.accessMap.servers;
  if (needed === undefined || level < needed) return null;
  return <NavLink to="/servers">Servers</NavLink>;
}

/**
 * Dates are shown in UTC, the platform's clock, so two agents read the same thing; the agent's own
 * zone and offset are said next to it, so a time can be read in local terms too.
 */
function TimeZoneNote() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const minutes = -new Date().getTimezoneOffset();
  if (minutes === 0 && (zone === 'UTC' || zone === 'Etc/UTC')) return <span className="tz">Times in UTC</span>;
  const sign = minutes < 0 ? '−' : '+';
  const abs = Math.abs(minutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return (
    <span className="tz">
      Times in UTC · you: {zone} (UTC{offset})
    </span>
  );
}

/** The frame of every page behind the login: skip link, header with navigation, main landmark. */
export function Shell() {
  const { agent, expired, logout } = useSession();
  const location = useLocation();
  if (agent === undefined) {
    return (
      <main id="main" className="page loading-page" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  if (agent === null) {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search, expired }} />;
  }
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          dbtools
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Search
          </NavLink>
          <ServersLink level={agent.level} />
          <NavLink to="/policy">My level</NavLink>
          <OutboxLink level={agent.level} />
        </nav>
        <TimeZoneNote />
        <div className="who">
          <span>
            {agent.name} <span className="muted">· {agent.levelName}</span>
          </span>
          <button type="button" className="button ghost small" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
