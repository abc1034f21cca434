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
