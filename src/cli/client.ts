/** The CLI's side of the one API client: fetch to DBTOOLS_URL with a Bearer token. */
import type { ApiContract } from '../api/contract.js';
import { apiClient, apiErrorOf, ApiError, type ApiClient as ContractClient, type ApiRequest } from '../client/api-client.js';

export { ApiError };

export type ApiClient = ContractClient<ApiContract>;

/** One request to the API at `baseUrl`: its JSON, and the answer's headers. */
async function exchange(baseUrl: string, { method, path, body }: ApiRequest, headers: Record<string, string>) {
  const res = await fetch(new URL(path, baseUrl), {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    // Not dbtools answering (a proxy's error page, a wrong DBTOOLS_URL): say so plainly.
    throw new ApiError(res.status, 'not_json', `${baseUrl} answered HTTP ${res.status}, not JSON: is DBTOOLS_URL right?`);
  }
  if (!res.ok) throw apiErrorOf(res.status, data, `HTTP ${res.status}`);
  return { data, headers: res.headers };
}

/** The API at `baseUrl` as the agent of an API token. */
export function cliClient(baseUrl: string, token: string): ApiClient {
  return apiClient<ApiContract>(async (request) => (await exchange(baseUrl, request, { authorization: `Bearer ${token}` })).data);
}

/** Logs in with a password and trades the session for a long-lived API token. */
export async function loginForToken(baseUrl: string, login: string, password: string, tokenName: string): Promise<string> {
  let session: Record<string, string> = {};
  const client = apiClient<ApiContract>(async (request) => {
    const { data, headers } = await exchange(baseUrl, request, session);
    const cookie = headers.get('set-cookie')?.split(';')[0];
    if (cookie) session = { ...session, cookie };
    return data;
  });
  const { csrfToken } = await client.call('POST /api/session', { body: { login, password } });
  session = { ...session, 'x-csrf-token': csrfToken };
  return (await client.call('POST /api/tokens', { body: { name: tokenName } })).token;
}
