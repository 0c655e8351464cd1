import { RELAYS_PATH, type RelayInput, type RelayView } from '#domain/relay.js';
import { adminApiRequest } from './admin-api-request.js';

/** HTTP client of the relays API (functions/src/relays), local or deployed; failures are ApiError. */
export class RelaysApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly adminToken: string,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly hint?: string,
  ) {}

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return adminApiRequest<T>({ name: 'relays API', baseUrl: this.baseUrl, adminToken: this.adminToken, fetchFn: this.fetchFn, hint: this.hint }, method, path, body);
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

  /** Turns a relay off (kept, not run) or on again. */
  setEnabled(id: string, enabled: boolean): Promise<RelayView> {
    return this.call('POST', `${RELAYS_PATH}/${encodeURIComponent(id)}/${enabled ? 'enable' : 'disable'}`);
  }
}
