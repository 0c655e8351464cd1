import { StreamgateError } from '#domain/errors.js';
import { INGEST_RELAYS_PATH } from '#domain/relay.js';
import { bearer, SERVICE_AUTH_HEADER } from '#domain/functions-contract.js';
import { readLimitedText, type FetchFn, type FunctionsAnswer, type RequestSigner } from '../auth/fetch-json.js';
import { httpFetch } from '../auth/http-fetch.js';
import { joinUrl } from '../auth/token-client.js';
import type { RelayDefinition } from './relay-definition.js';

/** Largest relays answer read (1000 relays of 16 long URLs fit). */
export const RELAYS_RESPONSE_MAX_BYTES = 4 * 1024 * 1024;

/** A failed read of the managed relays; `code` is stable. */
export class RelaysClientError extends StreamgateError<'relays_unreachable' | 'relays_bad_status' | 'relays_bad_body'> {
  override readonly name = 'RelaysClientError';
}

/** Reads the managed relays from the functions. */
export interface RelaysClient {
  fetch(signal: AbortSignal): Promise<RelayDefinition[]>;
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Checks one relay of the answer; undefined for an entry that does not fit the contract. */
function toDefinition(v: unknown): RelayDefinition | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (!isStr(r.id) || !isStr(r.stream)) return undefined;
  if (Array.isArray(r.push) && r.push.every(isStr) && r.pull === undefined) return { id: r.id, stream: r.stream, push: r.push };
  if (isStr(r.pull) && r.push === undefined) {
    return { id: r.id, stream: r.stream, pull: r.pull, mode: r.mode === 'always' ? 'always' : 'on-demand' };
  }
  return undefined;
}

/**
 * GET `<functionsUrl>/ingest/relays` with the service bearer or, with `sign`, SigV4 (API
 * Gateway's IAM authorizer), bounded in size; entries that do not fit the contract are skipped.
 */
export function createRelaysClient(opts: { functionsUrl: string; serviceToken?: string; sign?: RequestSigner; fetch?: FetchFn }): RelaysClient {
  const url = joinUrl(opts.functionsUrl, INGEST_RELAYS_PATH);
  const fetchFn = opts.fetch ?? httpFetch;
  return {
    async fetch(signal) {
      let headers: Record<string, string> = opts.sign ? {} : { [SERVICE_AUTH_HEADER]: bearer(opts.serviceToken ?? '') };
      let res: FunctionsAnswer;
      try {
        if (opts.sign) headers = { ...headers, ...(await opts.sign({ method: 'GET', url, headers, body: '' }, signal)) };
        res = await fetchFn(url, { method: 'GET', headers, signal, redirect: 'error' });
      } catch (err) {
        throw new RelaysClientError('relays_unreachable', `relays not read: ${(err as Error).message}`, { cause: err });
      }
      try {
        if (res.status !== 200) throw new RelaysClientError('relays_bad_status', `functions answered HTTP ${res.status}`);
        const text = await readLimitedText(res, RELAYS_RESPONSE_MAX_BYTES, (size, limit) => new RelaysClientError('relays_bad_body', `relays answer too large: ${size} > limit ${limit}`));
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (err) {
          throw new RelaysClientError('relays_bad_body', 'relays answer is not JSON', { cause: err });
        }
        const list = (body as { relays?: unknown }).relays;
        if (!Array.isArray(list)) throw new RelaysClientError('relays_bad_body', 'relays answer has no relays list');
        return list.flatMap((v) => toDefinition(v) ?? []);
      } finally {
        res.body?.cancel().catch(() => {});
      }
    },
  };
}
