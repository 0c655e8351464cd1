import type { AuthDecision, AuthReason } from '#domain/auth-decision.js';
import type { ConnectRole } from './classify-connect.js';

export type { AuthDecision, AuthReason } from '#domain/auth-decision.js';

/** The listener a request came through. */
export type AuthProtocol = 'rtmp' | 'rtmps' | 'rtmpt' | 'rtsp' | 'http' | 'srt';

/** What a client wants to do with a stream. */
export type AuthAction = 'publish' | 'play';

/**
 * What a client presented. The server builds `none` and `password`; `proof` is for challenge
 * schemes whose maths live in a protocol (RTSP Digest: `verify(password)` recomputes the digest
 * and compares in constant time; SRT with the user's password as passphrase: it unwraps the
 * caller's key material); `verified` is only ever minted by {@link Authorizer.connect}
 * (Adobe/llnw) and is only honoured by the authorizer that minted it.
 */
export type Credentials =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'password';
      readonly user: string;
      readonly password: string;
      /**
       * Where it came from: connect `?user=&pass=`, the publish/play name's query, RTSP Basic,
       * an HTTP-FLV/HLS URL's `?user=&pass=`, HTTP `Authorization: Basic`, the player page's
       * login cookie, an SRT stream id.
       */
      readonly source: 'app-query' | 'stream-query' | 'rtsp-basic' | 'http-query' | 'http-basic' | 'http-cookie' | 'srt-stream-id';
    }
  | { readonly kind: 'proof'; readonly user: string; readonly method: 'rtsp-digest' | 'srt-passphrase'; verify(password: string): boolean }
  | VerifiedCredentials;

/** A user whose Adobe/llnw answer was checked at connect. Opaque: only the authorizer creates it. */
export interface VerifiedCredentials {
  readonly kind: 'verified';
  readonly user: string;
  readonly method: 'adobe' | 'llnw';
}

/** A publish or play to decide. */
export interface AuthorizeRequest {
  action: AuthAction;
  protocol: AuthProtocol;
  /** The app without its query (what {@link ConnectOutcome} `accept` returned). */
  app: string;
  /** The stream name as the client sent it; a `?user=&pass=` query in it is used when `credentials` is none. */
  stream: string;
  /** Remote address (the throttle and the ACL's IP ranges key on it). */
  ip: string;
  credentials: Credentials;
}

/** An RTMP connect to screen before `_result`. */
export interface ConnectRequest {
  /** The connect's `app`, query included (`live?authmod=adobe&user=…`). */
  app: string;
  /** The connect's `tcUrl` (its query is the fallback carrier). */
  tcUrl?: string;
  ip: string;
  protocol: AuthProtocol;
  /** From {@link classifyConnect} on the command object; decides who gets the step-1 challenge. */
  role: ConnectRole;
}

/**
 * The connect verdict. `accept`: answer `_result` NetConnection.Connect.Success and keep `app`
 * (query stripped) and `credentials` on the connection for later publish/play calls.
 * `reject`: send `_error` NetConnection.Connect.Rejected with exactly `description` (AMF0, csid 3,
 * the connect's transaction id, level "error"), then `close` (`"close"`, 0, null), then close the
 * socket (AUTH-SPEC §3.2). `reason` is for logs/metrics: `need_auth` (step 1), `challenge`
 * (step 2: the client will reconnect with its answer) or a denial reason.
 */
export type ConnectOutcome =
  | { kind: 'accept'; app: string; credentials: Credentials }
  | { kind: 'reject'; description: string; reason: 'need_auth' | 'challenge' | AuthReason };

/**
 * The ingest's narrow view of publisher/player auth. All methods never throw and never hang past
 * the configured timeout (plus the failure delay): any failure is a denial (fail closed).
 *
 * RTMP integration:
 * 1. On `connect`: `connect({ app, tcUrl, ip, protocol, role: classifyConnect(cmdObj) })`; on
 *    `reject` send the description and close (see {@link ConnectOutcome}); on `accept` continue.
 * 2. On `publish(name)` / `play(name)`: `authorize({ action, protocol, app, stream: name, ip,
 *    credentials })` **before** any `NetStream.Publish.Start`/`Play.Start`. Denied →
 *    `NetStream.Publish.Denied` / `NetStream.Play.Failed` with `decision.description`, then close.
 * 3. While publishing/playing: when `Date.now() >= decision.recheckAtMs`, call `recheck(sameRequest)`;
 *    stop the session when it is no longer allowed, else keep the new `recheckAtMs`.
 */
export interface Authorizer {
  /** Screens an RTMP connect: query credentials, the Adobe/llnw challenge steps, or anonymous. */
  connect(req: ConnectRequest): Promise<ConnectOutcome>;
  /** Decides a publish/play: checks credentials (query, Adobe/llnw, RTSP) and the ACL, with caching. */
  authorize(req: AuthorizeRequest): Promise<AuthDecision>;
  /** Like {@link authorize} but ignores cached answers and the throttle: the fresh decision for a live session. */
  recheck(req: AuthorizeRequest): Promise<AuthDecision>;
}

/**
 * One structured line per decision (connect steps included). Never carries a password, a
 * response, a token or a clientid.
 */
export interface AuthEvent {
  event: 'auth';
  user: string | undefined;
  app: string;
  stream: string;
  action: AuthAction | 'connect';
  ip: string;
  protocol: AuthProtocol;
  allowed: boolean;
  reason: AuthReason | 'need_auth' | 'challenge';
  latencyMs: number;
  /** True when the answer came from the decision cache (no HTTP call). */
  cached: boolean;
  /** How the user authenticated, when one did or tried. */
  method?: 'query' | 'adobe' | 'llnw' | 'rtsp-basic' | 'rtsp-digest' | 'http-basic' | 'http-cookie' | 'srt-stream-id' | 'srt-passphrase';
  /** The AuthServiceError / RtmpAuthError code behind a fail-closed denial. */
  errorCode?: string;
}
