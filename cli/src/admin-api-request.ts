import { bearer } from '#domain/functions-contract.js';
import { ApiError } from './api-error.js';

/** Where an admin API lives and how to reach it. */
export interface AdminApiTarget {
  /** What the API is called in messages ("users API", "relays API"). */
  readonly name: string;
  readonly baseUrl: string;
  readonly adminToken: string;
  readonly fetchFn: typeof fetch;
  /** What to tell the user when the API cannot be reached (where the URL came from, what to try). */
  readonly hint?: string;
}

const UNAUTHORIZED_HINT =
  'hint: the admin token does not match this server: --admin-token, STREAMGATE_ADMIN_TOKEN, or the admin-token file of its data dir (--data-dir)';

/**
 * One JSON call to an admin-bearer API of the functions (users, relays): the parsed answer, or an
 * ApiError carrying the server's `error` code and `field` (status 0 `unreachable` when no answer
 * came within 15 s; 401 with a hint about where the token comes from).
 */
export async function adminApiRequest<T>(api: AdminApiTarget, method: string, path: string, body?: unknown): Promise<T> {
  const url = `${api.baseUrl.replace(/\/+$/, '')}${path}`;
  let res: Response;
  try {
    res = await api.fetchFn(url, {
      method,
      headers: { authorization: bearer(api.adminToken), 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const why = cause?.code ?? (err as Error).message;
    throw new ApiError(0, 'unreachable', `cannot reach the ${api.name} at ${api.baseUrl} (${why})`, undefined, { cause: err, hint: api.hint });
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text.length ? JSON.parse(text) : undefined;
  } catch (err) {
    throw new ApiError(res.status, 'bad_response', `unexpected non-JSON answer (HTTP ${res.status}) from ${url}`, undefined, { cause: err });
  }
  if (!res.ok) {
    const e = (json ?? {}) as { error?: string; message?: string; field?: string };
    const hint = res.status === 401 ? UNAUTHORIZED_HINT : undefined;
    throw new ApiError(res.status, e.error ?? `http_${res.status}`, e.message ?? `HTTP ${res.status}`, e.field, { hint });
  }
  return json as T;
}
