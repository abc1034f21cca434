import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, csrfToken, onSessionExpired, rememberCsrfToken } from './api.js';
import { forgetCaches } from './load.js';
import type { Agent } from './types.js';

interface Session {
  /** undefined while we ask the server who we are. */
  agent: Agent | null | undefined;
  /** The server ended the session (expired, logged out elsewhere): the login page says so. */
  expired: boolean;
  login(login: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  // Without a CSRF token (a new tab) mutations would be refused: ask for a login straight away.
  const [agent, setAgent] = useState<Agent | null | undefined>(csrfToken() ? undefined : null);
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    if (agent !== undefined) return;
    api.call('GET /api/me').then(setAgent, () => setAgent(null));
  }, [agent]);

  useEffect(
    () =>
      onSessionExpired(() => {
        setExpired(true);
        setAgent(null);
      }),
    [],
  );

  const login = useCallback(async (login: string, password: string) => {
    const answer = await api.call('POST /api/session', { body: { login, password } });
    rememberCsrfToken(answer.csrfToken);
    forgetCaches();
    setExpired(false);
    setAgent(answer.agent);
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.call('DELETE /api/session');
    } finally {
      rememberCsrfToken(null);
      forgetCaches();
      setExpired(false);
      setAgent(null);
    }
  }, []);

  const value = useMemo(() => ({ agent, expired, login, logout }), [agent, expired, login, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
