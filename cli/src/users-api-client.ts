import { USERS_PATH } from '#domain/functions-contract.js';
import type { User, UserGrants } from '#domain/user.js';
import { adminApiRequest } from './admin-api-request.js';

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

  #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return adminApiRequest<T>({ name: 'users API', baseUrl: this.baseUrl, adminToken: this.adminToken, fetchFn: this.fetchFn, hint: this.hint }, method, path, body);
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
