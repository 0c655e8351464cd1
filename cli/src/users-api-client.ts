import { bearer, USERS_PATH } from '../../domain/src/functions-contract.js';
import type { User, UserGrants } from '../../domain/src/user.js';
import { ApiError } from './api-error.js';

/** Body of a create call. */
export interface CreateUserInput {
  name: string;
  password: string;
  enabled?: boolean;
  grants?: Partial<UserGrants>;
  ipRanges?: string[];
}

/** Counts of a re-encryption pass (a page or the whole table). */
export interface ReEncryptTotals {
  scanned: number;
  reEncrypted: number;
  failed: { name: string; code: string }[];
}

/**
 * HTTP client of the users API (`functions/src/users`), local or deployed. Every failure is
 * an ApiError carrying the server's `error` code and `field`.
 */
export class UsersApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly adminToken: string,
    private readonly fetchFn: typeof fetch = fetch,
    /** What to tell the user when the API cannot be reached (where the URL came from, what to try). */
    private readonly hint?: string,
  ) {}

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        headers: { authorization: bearer(this.adminToken), 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      const why = cause?.code ?? (err as Error).message;
      throw new ApiError(0, 'unreachable', `cannot reach the users API at ${this.baseUrl} (${why})`, undefined, {
        cause: err,
        hint: this.hint ?? undefined,
      });
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
      const hint =
        res.status === 401
          ? 'hint: the admin token does not match this server: --admin-token, STREAMGATE_ADMIN_TOKEN, or the admin-token file of its data dir (--data-dir)'
          : undefined;
      throw new ApiError(res.status, e.error ?? `http_${res.status}`, e.message ?? `HTTP ${res.status}`, e.field, { hint });
    }
    return json as T;
  }

  #user(name: string): string {
    return `${USERS_PATH}/${encodeURIComponent(name)}`;
  }

  list(options: { limit?: number; cursor?: string } = {}): Promise<{ users: User[]; nextCursor?: string }> {
    const q = new URLSearchParams();
    if (options.limit !== undefined) q.set('limit', String(options.limit));
    if (options.cursor !== undefined) q.set('cursor', options.cursor);
    const qs = q.toString();
    return this.#call('GET', qs ? `${USERS_PATH}?${qs}` : USERS_PATH);
  }

  /** Every user, following cursors. */
  async listAll(): Promise<User[]> {
    const out: User[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list({ limit: 100, cursor });
      out.push(...page.users);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /**
   * Re-encrypts every stored password under the password key ring's current key, one page per
   * request; `onPage` sees each page's counts. Returns the totals and the users that failed.
   */
  async reEncryptAll(onPage?: (page: ReEncryptTotals) => void): Promise<ReEncryptTotals> {
    const total: ReEncryptTotals = { scanned: 0, reEncrypted: 0, failed: [] };
    let cursor: string | undefined;
    do {
      const q = new URLSearchParams({ limit: '100', ...(cursor === undefined ? {} : { cursor }) });
      const page = await this.#call<ReEncryptTotals & { nextCursor?: string }>('POST', `${USERS_PATH}/re-encrypt?${q}`);
      total.scanned += page.scanned;
      total.reEncrypted += page.reEncrypted;
      total.failed.push(...page.failed);
      onPage?.(page);
      cursor = page.nextCursor;
    } while (cursor);
    return total;
  }

  show(name: string): Promise<User> {
    return this.#call('GET', this.#user(name));
  }

  create(input: CreateUserInput): Promise<User> {
    return this.#call('POST', USERS_PATH, input);
  }

  /** PATCH: changes only what `change` names (in grants, only the lists given). */
  update(name: string, change: { enabled?: boolean; grants?: Partial<UserGrants>; ipRanges?: string[]; version?: number }): Promise<User> {
    return this.#call('PATCH', this.#user(name), change);
  }

  setPassword(name: string, password: string): Promise<User> {
    return this.#call('PUT', `${this.#user(name)}/password`, { password });
  }

  enable(name: string): Promise<User> {
    return this.#call('POST', `${this.#user(name)}/enable`);
  }

  disable(name: string): Promise<User> {
    return this.#call('POST', `${this.#user(name)}/disable`);
  }

  grant(name: string, grants: Partial<UserGrants>): Promise<User> {
    return this.#call('POST', `${this.#user(name)}/grants`, grants);
  }

  revoke(name: string, grants: Partial<UserGrants>): Promise<User> {
    return this.#call('POST', `${this.#user(name)}/grants/revoke`, grants);
  }

  remove(name: string): Promise<void> {
    return this.#call('DELETE', this.#user(name));
  }
}
