import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Navigate, useLocation } from 'react-router';
import { errorMessage } from '../api.js';
import { useSession } from '../session.js';

interface LoginState {
  from?: string;
  expired?: boolean;
}

export function LoginPage() {
  const { agent, login } = useSession();
  const location = useLocation();
  const state = (location.state ?? {}) as LoginState;
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const loginRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Log in · dbtools';
    loginRef.current?.focus();
  }, []);

  if (agent) return <Navigate to={state.from && state.from !== '/login' ? state.from : '/'} replace />;

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await login(String(data.get('login') ?? ''), String(data.get('password') ?? ''));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <main id="main" className="login-page">
      <form className="login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <div className="brand large">
          <span className="brand-mark" aria-hidden="true" />
          dbtools
        </div>
        <h1 id="login-title">Support console</h1>
        {state.expired && !error && (
          <p className="notice" role="status">
            Your session expired: log in again to continue.
          </p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <label htmlFor="login">Login</label>
        <input ref={loginRef} id="login" name="login" autoComplete="username" required />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        <button className="button primary" type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
