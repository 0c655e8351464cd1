import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { SERVICE_AUTH_HEADER, TOKEN_PATH, bearer } from '#domain/functions-contract.js';
import { AuthServiceError } from './auth-service-error.js';
import { fetchJson, type FetchFn, type RequestSigner } from './fetch-json.js';
import { httpFetch } from './http-fetch.js';

/** Looks a user's password up the Wowza way (AUTH-SPEC §2). */
export interface TokenClient {
  /**
   * Resolves the user's password, or `undefined` when the functions do not know the user (or it
   * is disabled): 200 `{"error":…}` or a `publisherToken` that does not decrypt. Rejects with
   * AuthServiceError when no usable answer came (status ≠ 200, not JSON, timeout, unreachable).
   */
  lookupPassword(user: string, signal: AbortSignal): Promise<string | undefined>;
}

/**
 * A {@link TokenClient} over HTTP: TEA-encrypts `user` with `teaSecret`, POSTs the form
 * `clientid=<hex>` to `<functionsUrl>/token` (hex needs no URL-encoding) and TEA-decrypts the
 * `publisherToken` of a 200 answer. With `serviceToken` the request also carries
 * `authorization: Bearer <serviceToken>`: Wowza sends none and the endpoint does not need it, but
 * it lets the functions tell the ingest (one source address for every encoder) from strangers,
 * e.g. to exempt it from their per-source failure throttle. With `sign` (API Gateway's IAM
 * authorizer in front of `/token`) the request is signed instead and carries no bearer: the
 * signature occupies `authorization`, and the functions recognise the IAM-authorized caller.
 */
export function createTokenClient(opts: { functionsUrl: string; teaSecret: string; serviceToken?: string; sign?: RequestSigner; fetch?: FetchFn }): TokenClient {
  const url = joinUrl(opts.functionsUrl, TOKEN_PATH);
  const fetchFn = opts.fetch ?? httpFetch;
  return {
    async lookupPassword(user, signal) {
      let clientid: string;
      try {
        clientid = teaEncrypt(user, opts.teaSecret);
      } catch {
        return undefined; // a name TEA cannot carry (NUL) cannot be a user
      }
      if (clientid === '') return undefined;
      const body = await fetchJson(fetchFn, url, {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(opts.serviceToken && !opts.sign ? { [SERVICE_AUTH_HEADER]: bearer(opts.serviceToken) } : {}),
        },
        body: `clientid=${clientid}`,
        signal,
        ...(opts.sign ? { sign: opts.sign } : {}),
      });
      if (typeof body !== 'object' || body === null) {
        throw new AuthServiceError('auth_bad_body', 'token answer is not a JSON object');
      }
      const token = (body as { publisherToken?: unknown }).publisherToken;
      if (typeof token !== 'string' || token === '') return undefined;
      try {
        return teaDecrypt(token, opts.teaSecret);
      } catch {
        return undefined; // undecryptable → deny (§2.3: only 200 + a decryptable token counts)
      }
    },
  };
}

/** `base` + `path` with exactly one slash between them. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
