/** Where the token lives while the tab is open (never in a URL, never in localStorage). */
const TOKEN_KEY = 'streamgate.console.token';

/** A failed call: the API's `error` code, `message` and `field`, shown to the operator as text. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * The console's one way to the server: `fetch` on the same origin under `/console/api/` with
 * `Authorization: Bearer <admin token>`. The token is kept in memory and in sessionStorage (gone
 * when the tab closes); a 401 forgets it and calls `onUnauthorized` (back to the login form).
 */
export class ConsoleClient {
  private token: string | undefined;

  constructor(private readonly onUnauthorized: () => void) {
    try {
      this.token = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
    } catch {
      this.token = undefined;
    }
  }

  get loggedIn(): boolean {
    return this.token !== undefined;
  }

  /** Tries `token` against the API; keeps it when it works, else throws the API's failure. */
  async login(token: string): Promise<void> {
    this.token = token;
    try {
      await this.call('GET', 'snapshot', undefined, { forgetOn401: false });
    } catch (err) {
      this.token = undefined;
      throw err;
    }
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      // Private mode without storage: the token stays in memory only.
    }
  }

  logout(): void {
    this.token = undefined;
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // nothing stored
    }
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.call<T>(method, path, body);
  }

  /**
   * Asks for the cookie that lets this browser's preview play `stream` over HTTP-FLV and HLS when
   * players must log in (kept by the browser, HttpOnly: no script here ever reads it).
   */
  grantPreview(stream: string): Promise<void> {
    return this.call<void>('POST', 'streams/preview', { stream }, { storeCookies: true });
  }

  private async call<T>(method: string, path: string, body?: unknown, options: { readonly forgetOn401?: boolean; readonly storeCookies?: boolean } = {}): Promise<T> {
    if (this.token === undefined) throw new ApiFailure(401, 'unauthorized', 'not logged in');
    let res: Response;
    try {
      res = await fetch(`/console/api/${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        cache: 'no-store',
        // Only the preview grant's answer sets a cookie; every other call leaves cookies alone.
        credentials: options.storeCookies === true ? 'same-origin' : 'omit',
      });
    } catch {
      throw new ApiFailure(0, 'unreachable', 'the server cannot be reached');
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = (json ?? {}) as { error?: unknown; message?: unknown; field?: unknown };
      const failure = new ApiFailure(
        res.status,
        typeof e.error === 'string' ? e.error : `http_${res.status}`,
        typeof e.message === 'string' ? e.message : `HTTP ${res.status}`,
        typeof e.field === 'string' ? e.field : undefined,
      );
      if (res.status === 401 && options.forgetOn401 !== false) {
        this.logout();
        this.onUnauthorized();
      }
      throw failure;
    }
    return json as T;
  }
}

/** Text for a failure: `message (field)`. */
export function failureText(err: unknown): string {
  if (err instanceof ApiFailure) return err.field ? `${err.message} (${err.field})` : err.message;
  return err instanceof Error ? err.message : String(err);
}
