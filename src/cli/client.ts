/** A small client of the dbtools HTTP API, for the CLI and scripts. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private token?: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      // Not dbtools answering (a proxy's error page, a wrong DBTOOLS_URL): say so plainly.
      throw new ApiError(res.status, 'not_json', `${this.baseUrl} answered HTTP ${res.status}, not JSON: is DBTOOLS_URL right?`);
    }
    if (!res.ok) {
      const err = (data as { error?: { code: string; message: string } } | undefined)?.error;
      throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`);
    }
    return data as T;
  }

  /** Logs in with a password and trades the session for a long-lived API token. */
  async loginForToken(login: string, password: string, tokenName: string): Promise<string> {
    const res = await fetch(new URL('/api/session', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login, password }),
    });
    const data = (await res.json()) as { csrfToken?: string; error?: { code: string; message: string } };
    if (!res.ok || !data.csrfToken) throw new ApiError(res.status, data.error?.code ?? 'login', data.error?.message ?? 'Login failed');
    const cookie = res.headers.get('set-cookie')?.split(';')[0] ?? '';
    const token = await this.request<{ token: string }>('POST', '/api/tokens', { name: tokenName }, {
      cookie,
      'x-csrf-token': data.csrfToken,
    });
    return token.token;
  }
}
