import { bearer } from '../../domain/src/functions-contract.js';
import { RELAYS_PATH, type RelayInput, type RelayView } from '../../domain/src/relay.js';
import { ApiError } from './api-error.js';

/** HTTP client of the relays API (functions/src/relays), local or deployed; failures are ApiError. */
export class RelaysApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly adminToken: string,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly hint?: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
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
      throw new ApiError(0, 'unreachable', `cannot reach the relays API at ${this.baseUrl} (${(err as Error).message})`, undefined, { cause: err, hint: this.hint });
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
      throw new ApiError(res.status, e.error ?? `http_${res.status}`, e.message ?? `HTTP ${res.status}`, e.field);
    }
    return json as T;
  }

  add(input: RelayInput): Promise<RelayView> {
    return this.call('POST', RELAYS_PATH, input);
  }

  async list(): Promise<RelayView[]> {
    return (await this.call<{ relays: RelayView[] }>('GET', RELAYS_PATH)).relays;
  }

  remove(id: string): Promise<void> {
    return this.call('DELETE', `${RELAYS_PATH}/${encodeURIComponent(id)}`);
  }
}
