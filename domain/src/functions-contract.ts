/**
 * The ingest ↔ functions wire contract. Both sides import these names; changing one is a
 * breaking change for a deployed ingest.
 *
 * `/token` (Wowza-compatible, AUTH-SPEC §2.3):
 *   POST `application/x-www-form-urlencoded` body `clientid=<teaEncrypt(user)>` →
 *   200 `{"publisherToken":"<teaEncrypt(password)>"}` or 200 `{"error":"Invalid Client"}`;
 *   GET → 200 `{"Auth Server Version":"v1.0"}`; other methods 405. No credential header is
 *   needed (Wowza sends none); in AWS the route sits behind IAM / a private network.
 *
 * `/acl` (streamgate's own):
 *   POST `application/json` body {@link AclRequest} with header
 *   `authorization: Bearer <service token>` (or an IAM-signed call when the deployment says
 *   `STREAMGATE_ACL_AUTH=iam`) → 200 {@link AclResponse}. 401 `{"error":"unauthorized"}` without
 *   a valid credential, 400 `{"error":"…","field":"…"}` for a malformed request.
 *   A denial is still 200 with `allowed: false`.
 */

/** Path of the Wowza-compatible token provider. */
export const TOKEN_PATH = '/token';
/**
 * Public path of the same token provider for an external Wowza server (its
 * `serverTokenValidatorURL`). In AWS it exists only with `exposeToken=true` and never has the
 * IAM authorizer, so {@link TOKEN_PATH} stays IAM-only for the ingest; callers here are
 * throttled per source address.
 */
export const WOWZA_TOKEN_PATH = '/wowza/token';
/** Path of the stream ACL lookup. */
export const ACL_PATH = '/acl';
/** Path prefix of the operator users API. */
export const USERS_PATH = '/users';
/** Path of the OpenAPI document. */
export const OPENAPI_PATH = '/openapi.json';

/** Header carrying the service credential on `/acl` calls: `authorization: Bearer <token>`. */
export const SERVICE_AUTH_HEADER = 'authorization';

/** Builds the `authorization` header value for a service or admin bearer token. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** What a client may do with a stream. */
export type AclAction = 'publish' | 'play';

/** Body of `POST /acl`. `user` is undefined (omitted) for an anonymous client. */
export interface AclRequest {
  user?: string;
  action: AclAction;
  app: string;
  stream: string;
  ip: string;
}

/**
 * Stable reason codes of an ACL answer. `allowed` ones: `grant_matched`. Denials:
 * `no_user` (anonymous), `unknown_user`, `user_disabled`, `ip_not_allowed`, `no_matching_grant`,
 * `invalid_stream` (empty after normalisation).
 */
export type AclReason =
  | 'grant_matched'
  | 'no_user'
  | 'unknown_user'
  | 'user_disabled'
  | 'ip_not_allowed'
  | 'no_matching_grant'
  | 'invalid_stream';

/** Answer of `POST /acl`; the ingest may cache it for `ttlSeconds`. */
export interface AclResponse {
  allowed: boolean;
  reason: AclReason;
  ttlSeconds: number;
}

/** Success body of `POST /token`. */
export interface TokenSuccess {
  publisherToken: string;
}
/** The one failure body of `POST /token` (always status 200, AUTH-SPEC §2.3). */
export const TOKEN_INVALID_CLIENT = { error: 'Invalid Client' } as const;
/** Body of `GET /token`. */
export const TOKEN_VERSION = { 'Auth Server Version': 'v1.0' } as const;

/** Largest accepted `/token` body in bytes (AUTH-SPEC §2.3). */
export const TOKEN_MAX_BODY_BYTES = 4096;
/** Largest accepted `clientid` in hex digits (AUTH-SPEC §2.3). */
export const TOKEN_MAX_CLIENTID_HEX = 512;
/** Largest accepted `/acl` body in bytes. */
export const ACL_MAX_BODY_BYTES = 4096;

/**
 * Normalises a stream name for comparison (the seed's Wowza rule): drops anything from the
 * first `?` (the query the encoder appends) and lowercases. Surrounding whitespace is kept:
 * it is part of the name on the wire.
 */
export function normalizeStreamName(name: string): string {
  const q = name.indexOf('?');
  return (q === -1 ? name : name.slice(0, q)).toLowerCase();
}
