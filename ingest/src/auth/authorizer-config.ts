import type { ChallengeKey, ChallengeReplayCache } from '#domain/adobe-challenge.js';
import type { AclClient } from './acl-client.js';
import type { AuthEvent } from './authorizer.js';
import type { FetchFn } from './fetch-json.js';
import type { TokenClient } from './token-client.js';

/**
 * Values for the authorizer (createAuthorizer). The ingest's `config.ts` reads the environment
 * (`STREAMGATE_AUTH=off` → `publishAuth: 'off'`, `STREAMGATE_PLAY_AUTH` → `playAuth`) and passes
 * plain values here; nothing in this folder reads `process.env`.
 */
export interface AuthorizerConfig {
  /** Base URL of the functions (`http://127.0.0.1:3000`, or the API Gateway URL). */
  functionsUrl: string;
  /** The shared TEA secret (≥ 16 chars) used for `/token`. */
  teaSecret: string;
  /** Bearer token for `/acl`. */
  serviceToken: string;
  /** `off` = STREAMGATE_AUTH=off: publishing needs nothing. Default `required`. */
  publishAuth?: 'required' | 'off';
  /** STREAMGATE_PLAY_AUTH. Default `none`. */
  playAuth?: 'none' | 'required';
  /** Which step-1 challenge a credential-less connect gets. Default `adobe`; llnw answers are accepted either way. */
  challenge?: 'adobe' | 'llnw';
  /**
   * What to do with a connect that carries no credentials and must authenticate: `challenge`
   * (default) sends the step-1 rejection so FFmpeg/OBS/GStreamer run the Adobe flow; `accept` lets
   * it through so credentials can come in the publish name's query (`name?user=&pass=`) —
   * clients that cannot answer a challenge need that, and then Adobe-only clients fail.
   */
  connectWithoutCredentials?: 'challenge' | 'accept';
  /** Key sealing challenges; must be the same on every task. Default: derived from `teaSecret`. */
  challengeKey?: ChallengeKey;
  /** Validity of an issued challenge. Default 60 000 ms (AUTH-SPEC §3.5.3). */
  challengeTtlMs?: number;
  /** Deadline for all functions calls of one decision. Default 2000 ms. */
  timeoutMs?: number;
  /** How long a denial (bad credentials, stream not allowed) is cached. Default 5000 ms. */
  negativeTtlMs?: number;
  /** Cap on the ACL's `ttlSeconds` for positive answers. Default 300 000 ms. */
  maxPositiveTtlMs?: number;
  /** Decision cache size. Default 10 000. */
  cacheMaxEntries?: number;
  /** Delay before answering a credential failure. Default 1000 ms. */
  failureDelayMs?: number;
  /** Failures per address within `failureWindowMs` before it is refused outright. Default 10. */
  maxFailures?: number;
  /** Default 60 000 ms. */
  failureWindowMs?: number;
  /** Addresses the throttle tracks at once. Default 10 000. */
  throttleMaxAddresses?: number;
  /** Used-challenge ids remembered (per task). Default 10 000. */
  replayCacheMaxEntries?: number;
}

/** Collaborators; every one has a production default except `log`. */
export interface AuthorizerDeps {
  /** Receives one {@link AuthEvent} per decision (wire it to the JSON logger). */
  log: (event: AuthEvent) => void;
  /** Defaults to httpFetch (node:http). */
  fetch?: FetchFn;
  /** Defaults to `Date.now`. */
  now?: () => number;
  /** Defaults to a timer; tests pass a recorder. */
  sleep?: (ms: number) => Promise<void>;
  /** Defaults to `crypto.randomBytes`. */
  randomBytes?: (n: number) => Uint8Array;
  /** Overrides for tests; default HTTP clients over `functionsUrl`. */
  tokenClient?: TokenClient;
  aclClient?: AclClient;
  replayCache?: ChallengeReplayCache;
}
