import { ACL_PATH, SERVICE_AUTH_HEADER, bearer, type AclReason, type AclRequest, type AclResponse } from '#domain/functions-contract.js';
import { AuthServiceError } from './auth-service-error.js';
import { fetchJson, type FetchFn, type RequestSigner } from './fetch-json.js';
import { httpFetch } from './http-fetch.js';
import { joinUrl } from './token-client.js';

/** Asks the functions whether a user may publish/play a stream. */
export interface AclClient {
  /** Resolves the ACL answer; rejects with AuthServiceError when there is no usable one. */
  check(req: AclRequest, signal: AbortSignal): Promise<AclResponse>;
}

const REASONS: ReadonlySet<string> = new Set<AclReason>([
  'grant_matched',
  'no_user',
  'unknown_user',
  'user_disabled',
  'ip_not_allowed',
  'no_matching_grant',
  'invalid_stream',
]);

/**
 * An {@link AclClient} over HTTP: POST JSON to `<functionsUrl>/acl` with the service bearer token,
 * or, with `sign` (API Gateway's IAM authorizer), signed and without a bearer.
 */
export function createAclClient(opts: { functionsUrl: string; serviceToken: string; sign?: RequestSigner; fetch?: FetchFn }): AclClient {
  const url = joinUrl(opts.functionsUrl, ACL_PATH);
  const fetchFn = opts.fetch ?? httpFetch;
  return {
    async check(req, signal) {
      const body = await fetchJson(fetchFn, url, {
        headers: opts.sign ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', [SERVICE_AUTH_HEADER]: bearer(opts.serviceToken) },
        body: JSON.stringify(req),
        signal,
        ...(opts.sign ? { sign: opts.sign } : {}),
      });
      const b = body as Partial<AclResponse> | null;
      if (
        typeof b !== 'object' ||
        b === null ||
        typeof b.allowed !== 'boolean' ||
        typeof b.reason !== 'string' ||
        !REASONS.has(b.reason) ||
        typeof b.ttlSeconds !== 'number' ||
        !Number.isFinite(b.ttlSeconds) ||
        b.ttlSeconds < 0
      ) {
        throw new AuthServiceError('auth_bad_body', 'acl answer does not match the contract');
      }
      // An "allowed" that contradicts its reason is not trusted (fail closed).
      if (b.allowed && b.reason !== 'grant_matched') throw new AuthServiceError('auth_bad_body', 'acl answer is inconsistent');
      return { allowed: b.allowed, reason: b.reason, ttlSeconds: b.ttlSeconds };
    },
  };
}
