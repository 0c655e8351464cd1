import { createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import {
  ADOBE_NEED_AUTH_DESCRIPTION,
  adobeAuthFailedDescription,
  adobeChallengeDescription,
  verifyAdobeResponse,
} from '#domain/adobe-auth.js';
import {
  CHALLENGE_RANDOM_BYTES,
  adobeSalt,
  isEchoableUser,
  issueAdobeChallenge,
  issueLlnwNonce,
  openAdobeChallenge,
  openLlnwNonce,
  type ChallengeCheck,
  type ChallengeKey,
  type ChallengeReplayCache,
} from '#domain/adobe-challenge.js';
import { canonicalStream, StreamNameError, type StreamIdentity } from '#domain/canonical-stream.js';
import { describeDenial, type AuthDecision, type AuthReason } from '#domain/auth-decision.js';
import type { AclResponse } from '#domain/functions-contract.js';
import {
  LLNW_AUTH_FAILED_DESCRIPTION,
  LLNW_NC,
  LLNW_NEED_AUTH_DESCRIPTION,
  llnwChallengeDescription,
  verifyLlnwResponse,
} from '#domain/llnw-auth.js';
import { constantTimeEqual } from '#domain/rtmp-auth-compare.js';
import { RtmpAuthError } from '#domain/rtmp-auth-error.js';
import {
  parseQueryCredentials,
  parseRtmpAuthQuery,
  splitAtQuery,
  splitConnectApp,
  type RtmpAuthQuery,
} from '#domain/rtmp-auth-query.js';
import { createAclClient, type AclClient } from './acl-client.js';
import { AuthServiceError } from './auth-service-error.js';
import type {
  AuthEvent,
  Authorizer,
  AuthorizeRequest,
  ConnectOutcome,
  ConnectRequest,
  Credentials,
  VerifiedCredentials,
} from './authorizer.js';
import type { FetchFn } from './fetch-json.js';
import { FailureThrottle } from './failure-throttle.js';
import { MemoryReplayCache } from './memory-replay-cache.js';
import { createTokenClient, type TokenClient } from './token-client.js';
import { TtlCache } from './ttl-cache.js';

/**
 * Values for {@link createAuthorizer}. The lead's `config.ts` reads the environment
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
  /** Defaults to global `fetch`. */
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

type Method = NonNullable<AuthEvent['method']>;

/** Creates the ingest's {@link Authorizer} (see its JSDoc for how the RTMP server calls it). */
export function createAuthorizer(config: AuthorizerConfig, deps: AuthorizerDeps): Authorizer {
  const publishAuth = config.publishAuth ?? 'required';
  const playAuth = config.playAuth ?? 'none';
  const timeoutMs = config.timeoutMs ?? 2000;
  const negativeTtlMs = config.negativeTtlMs ?? 5000;
  const maxPositiveTtlMs = config.maxPositiveTtlMs ?? 300_000;
  const failureDelayMs = config.failureDelayMs ?? 1000;
  const challengeTtlMs = config.challengeTtlMs ?? 60_000;
  const key = config.challengeKey ?? createHmac('sha256', config.teaSecret).update('streamgate/rtmp-challenge/v1').digest();
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.randomBytes ?? ((n: number) => nodeRandomBytes(n));
  const tokens = deps.tokenClient ?? createTokenClient({
      functionsUrl: config.functionsUrl,
      teaSecret: config.teaSecret,
      serviceToken: config.serviceToken,
      fetch: deps.fetch,
    });
  const acl = deps.aclClient ?? createAclClient({ functionsUrl: config.functionsUrl, serviceToken: config.serviceToken, fetch: deps.fetch });
  const replay = deps.replayCache ?? new MemoryReplayCache(config.replayCacheMaxEntries ?? 10_000);
  const cache = new TtlCache<CachedAnswer>(config.cacheMaxEntries ?? 10_000);
  const throttle = new FailureThrottle({
    maxFailures: config.maxFailures ?? 10,
    windowMs: config.failureWindowMs ?? 60_000,
    maxAddresses: config.throttleMaxAddresses ?? 10_000,
  });
  // Cache keys carry an HMAC of the presented password under a per-process key, never the password.
  const cacheKeySecret = random(32);
  // Only credentials this instance minted at connect are honoured as `verified`.
  const minted = new WeakSet<object>();

  const authRequired = (action: 'publish' | 'play'): boolean =>
    action === 'publish' ? publishAuth === 'required' : playAuth === 'required';

  function emit(e: Omit<AuthEvent, 'event' | 'latencyMs'>, startedMs: number): void {
    try {
      deps.log({ event: 'auth', ...e, user: e.user?.slice(0, 64), latencyMs: Math.max(0, now() - startedMs) });
    } catch {
      // A broken log sink must not turn into an unanswered client.
    }
  }

  async function failed(ip: string): Promise<void> {
    throttle.recordFailure(ip, now());
    if (failureDelayMs > 0) await sleep(failureDelayMs);
  }

  // ---- connect -------------------------------------------------------------------------------

  async function connect(req: ConnectRequest): Promise<ConnectOutcome> {
    const started = now();
    let app = req.app;
    let step: { outcome: ConnectOutcome; user?: string; method?: Method; errorCode?: string };
    try {
      const split = splitConnectApp(req.app, req.tcUrl);
      app = split.app;
      step = await screenConnect(req, split.app, split.query);
    } catch (err) {
      // Unparseable carriers or a bug: refuse, never throw at the server.
      step = {
        outcome: { kind: 'reject', description: adobeAuthFailedDescription(), reason: 'bad_request' },
        errorCode: err instanceof RtmpAuthError ? err.code : 'internal',
      };
      app = splitAtQueryLoose(req.app);
    }
    const o = step.outcome;
    emit(
      {
        user: step.user,
        app,
        stream: '',
        action: 'connect',
        ip: req.ip,
        protocol: req.protocol,
        allowed: o.kind === 'accept',
        reason: o.kind === 'accept' ? 'allowed' : o.reason,
        cached: false,
        ...(step.method ? { method: step.method } : {}),
        ...(step.errorCode ? { errorCode: step.errorCode } : {}),
      },
      started,
    );
    return o;
  }

  async function screenConnect(
    req: ConnectRequest,
    app: string,
    query: string,
  ): Promise<{ outcome: ConnectOutcome; user?: string; method?: Method; errorCode?: string }> {
    const accept = (credentials: Credentials): ConnectOutcome => ({ kind: 'accept', app, credentials });
    if (publishAuth === 'off' && playAuth === 'none') return { outcome: accept({ kind: 'none' }) };

    const creds = parseQueryCredentials(query);
    if (creds) return queryStep(req, app, creds);
    const q = parseRtmpAuthQuery(query);
    if (q.authmod === 'adobe') return adobeStep(req, app, q);
    if (q.authmod === 'llnw') return llnwStep(req, app, q);

    const mustChallenge =
      config.connectWithoutCredentials !== 'accept' &&
      (req.role === 'player'
        ? playAuth === 'required'
        : req.role === 'publisher'
          ? publishAuth === 'required'
          : publishAuth === 'required' || playAuth === 'required');
    if (!mustChallenge) return { outcome: accept({ kind: 'none' }) };
    const description = config.challenge === 'llnw' ? LLNW_NEED_AUTH_DESCRIPTION : ADOBE_NEED_AUTH_DESCRIPTION;
    return { outcome: { kind: 'reject', description, reason: 'need_auth' } };
  }

  /**
   * Wowza-style `?user=&pass=` on connect: the password is checked here, so wrong credentials are
   * refused at connect like a failed Adobe answer (throttled, after the failure delay) and never
   * hold a connection open. The grant is decided at publish/play, where the stream is known; the
   * password goes along for that decision (and its rechecks).
   */
  async function queryStep(req: ConnectRequest, app: string, creds: { user: string; password: string }) {
    const method: Method = 'query';
    const user = creds.user;
    const fail = (reason: AuthReason, errorCode?: string) => ({
      outcome: { kind: 'reject', description: describeDenial(reason, ''), reason } as ConnectOutcome,
      user,
      method,
      ...(errorCode ? { errorCode } : {}),
    });
    if (throttle.isThrottled(req.ip, now())) return fail('throttled');
    let password: string | undefined;
    try {
      password = await tokens.lookupPassword(user, AbortSignal.timeout(timeoutMs));
    } catch (err) {
      const f = serviceFailure(err);
      return fail(f.reason, f.errorCode);
    }
    if (password === undefined || !constantTimeEqual(creds.password, password)) {
      await failed(req.ip);
      return fail('bad_credentials');
    }
    const credentials: Credentials = { kind: 'password', user, password: creds.password, source: 'app-query' };
    return { outcome: { kind: 'accept', app, credentials } as ConnectOutcome, user, method };
  }

  async function adobeStep(req: ConnectRequest, app: string, q: RtmpAuthQuery) {
    const method: Method = 'adobe';
    const user = q.user ?? '';
    const fail = (reason: AuthReason, errorCode?: string) => ({
      outcome: { kind: 'reject', description: adobeAuthFailedDescription(), reason } as ConnectOutcome,
      user,
      method,
      ...(errorCode ? { errorCode } : {}),
    });
    if (!isEchoableUser(user)) return fail('bad_credentials');
    if (throttle.isThrottled(req.ip, now())) return fail('throttled');
    if (q.response === undefined) {
      // Step 2: also for unknown users, so nothing about existence leaks (§3.5.2).
      const issued = issueAdobeChallenge({ key, user, nowMs: now(), random: random(CHALLENGE_RANDOM_BYTES), ttlMs: challengeTtlMs });
      return { outcome: { kind: 'reject', description: adobeChallengeDescription(issued), reason: 'challenge' } as ConnectOutcome, user, method };
    }
    // Step 3. FFmpeg/GStreamer send opaque when one was issued; we always issue one.
    const opaque = q.opaque ?? '';
    const opened = openAdobeChallenge({ key, user, opaque, nowMs: now() });
    const verdict = await checkAnswer(req, user, opened, opaque, (password, challenge) =>
      verifyAdobeResponse({
        user,
        password,
        salt: adobeSalt(key, user),
        challenge,
        opaque,
        clientChallenge: q.challenge ?? '',
        response: q.response ?? '',
      }),
    );
    if (verdict.ok) return { outcome: { kind: 'accept', app, credentials: mint(user, method) } as ConnectOutcome, user, method };
    return fail(verdict.reason, verdict.errorCode);
  }

  async function llnwStep(req: ConnectRequest, app: string, q: RtmpAuthQuery) {
    const method: Method = 'llnw';
    const user = q.user ?? '';
    const fail = (reason: AuthReason, errorCode?: string) => ({
      outcome: { kind: 'reject', description: LLNW_AUTH_FAILED_DESCRIPTION, reason } as ConnectOutcome,
      user,
      method,
      ...(errorCode ? { errorCode } : {}),
    });
    if (!isEchoableUser(user)) return fail('bad_credentials');
    if (throttle.isThrottled(req.ip, now())) return fail('throttled');
    if (q.response === undefined) {
      const { nonce } = issueLlnwNonce({ key, user, nowMs: now(), random: random(CHALLENGE_RANDOM_BYTES), ttlMs: challengeTtlMs });
      return { outcome: { kind: 'reject', description: llnwChallengeDescription(user, nonce), reason: 'challenge' } as ConnectOutcome, user, method };
    }
    const nonce = q.nonce ?? '';
    const opened = openLlnwNonce({ key, user, nonce, nowMs: now() });
    const verdict = await checkAnswer(req, user, opened, nonce, (password) =>
      verifyLlnwResponse({ user, password, nonce, cnonce: q.cnonce ?? '', nc: q.nc ?? LLNW_NC, app, response: q.response ?? '' }),
    );
    if (verdict.ok) return { outcome: { kind: 'accept', app, credentials: mint(user, method) } as ConnectOutcome, user, method };
    return fail(verdict.reason, verdict.errorCode);
  }

  /** Step 3 of either scheme: challenge valid and unused, password looked up, answer verified. */
  async function checkAnswer(
    req: ConnectRequest,
    user: string,
    opened: ChallengeCheck,
    id: string,
    verify: (password: string, serverChallenge: string) => boolean,
  ): Promise<{ ok: true } | { ok: false; reason: AuthReason; errorCode?: string }> {
    if (!opened.ok) {
      await failed(req.ip);
      return { ok: false, reason: 'challenge_invalid', errorCode: `challenge_${opened.reason}` };
    }
    // Claimed before the lookup: a replay racing the original loses, and every guess burns a challenge.
    if (!(await replay.claim(id, opened.expiresAtMs, now()))) {
      await failed(req.ip);
      return { ok: false, reason: 'challenge_invalid', errorCode: 'challenge_replayed' };
    }
    let password: string | undefined;
    try {
      password = await tokens.lookupPassword(user, AbortSignal.timeout(timeoutMs));
    } catch (err) {
      return serviceFailure(err);
    }
    if (password === undefined || !verify(password, opened.challenge)) {
      await failed(req.ip);
      return { ok: false, reason: 'bad_credentials' };
    }
    return { ok: true };
  }

  function mint(user: string, method: 'adobe' | 'llnw'): VerifiedCredentials {
    const c: VerifiedCredentials = Object.freeze({ kind: 'verified', user, method });
    minted.add(c);
    return c;
  }

  // ---- publish / play ------------------------------------------------------------------------

  async function decide(req: AuthorizeRequest, fresh: boolean): Promise<AuthDecision> {
    const started = now();
    let stream = req.stream;
    let credentials = req.credentials;
    let id: StreamIdentity | undefined;
    const log = (d: AuthDecision, cached: boolean, extra: { method?: Method; errorCode?: string } = {}) =>
      emit(
        {
          user: d.user ?? credentialUser(credentials),
          app: id?.app ?? req.app,
          stream: id?.stream ?? stream,
          action: req.action,
          ip: req.ip,
          protocol: req.protocol,
          allowed: d.allowed,
          reason: d.reason,
          cached,
          ...extra,
        },
        started,
      );
    const deny = (reason: AuthReason, user?: string): AuthDecision => ({
      allowed: false,
      reason,
      stream,
      description: describeDenial(reason, stream),
      ...(user !== undefined ? { user } : {}),
    });

    let streamQuery: string;
    try {
      ({ name: stream, query: streamQuery } = splitAtQuery(req.stream));
    } catch (err) {
      stream = splitAtQueryLoose(req.stream);
      const d = deny('bad_request');
      log(d, false, { errorCode: errorCode(err) });
      return d;
    }
    // The ACL and the decision cache see the canonical identity, whatever split the server passed.
    try {
      id = canonicalStream(req.app, stream);
    } catch (err) {
      if (!(err instanceof StreamNameError)) throw err;
      const d = deny('bad_request');
      log(d, false, { errorCode: err.code });
      return d;
    }
    if (!authRequired(req.action)) {
      const reason = req.action === 'play' && authRequired('publish') ? 'play_auth_off' : 'auth_off';
      const d: AuthDecision = { allowed: true, reason, stream };
      log(d, false);
      return d;
    }
    if (credentials.kind === 'none') {
      try {
        const fromStream = parseQueryCredentials(streamQuery);
        if (fromStream) credentials = { kind: 'password', user: fromStream.user, password: fromStream.password, source: 'stream-query' };
      } catch (err) {
        const d = deny('bad_request');
        log(d, false, { errorCode: errorCode(err) });
        return d;
      }
    }
    const method = methodOf(credentials);
    if (credentials.kind === 'none') {
      const d = deny('no_credentials');
      log(d, false);
      return d;
    }
    const user = credentials.user;
    if (credentials.kind === 'verified' && !minted.has(credentials)) {
      const d = deny('bad_credentials', user);
      log(d, false, { method });
      return d;
    }
    if (!fresh && throttle.isThrottled(req.ip, now())) {
      const d = deny('throttled', user);
      log(d, false, { method });
      return d;
    }

    const key = cacheKey(req, id.path, credentials);
    const remember = (a: CachedAnswer): void => {
      if (key !== undefined) cache.set(key, a, a.expiresAtMs, now());
    };
    if (!fresh && key !== undefined) {
      const hit = cache.get(key, now());
      if (hit) {
        const d = hit.allowed
          ? { allowed: true, reason: 'allowed' as const, stream, user, recheckAtMs: hit.expiresAtMs }
          : deny(hit.reason, user);
        if (d.reason === 'bad_credentials') await failed(req.ip);
        log(d, true, { method });
        return d;
      }
    }

    const signal = AbortSignal.timeout(timeoutMs);
    let answer: AclResponse;
    try {
      if (credentials.kind === 'password' || credentials.kind === 'proof') {
        const password = await tokens.lookupPassword(user, signal);
        const ok =
          password !== undefined &&
          (credentials.kind === 'password' ? constantTimeEqual(credentials.password, password) : safeVerify(credentials, password));
        if (!ok) {
          if (fresh) {
            // A live session that passed before: say what changed (the ACL knows a disabled user).
            const since = await acl.check({ user, action: req.action, app: id.app, stream: id.stream, ip: req.ip }, signal);
            const d = deny(since.reason === 'user_disabled' ? 'user_disabled' : 'credentials_changed', user);
            log(d, false, { method });
            return d;
          }
          remember({ allowed: false, reason: 'bad_credentials', expiresAtMs: now() + negativeTtlMs });
          const d = deny('bad_credentials', user);
          await failed(req.ip);
          log(d, false, { method });
          return d;
        }
      }
      answer = await acl.check({ user, action: req.action, app: id.app, stream: id.stream, ip: req.ip }, signal);
    } catch (err) {
      const f = serviceFailure(err);
      const d = deny(f.reason, user);
      log(d, false, { method, errorCode: f.errorCode });
      return d;
    }

    const t = now();
    if (answer.allowed) {
      const ttlMs = Math.min(answer.ttlSeconds * 1000, maxPositiveTtlMs);
      const recheckAtMs = t + Math.max(ttlMs, 1000);
      if (ttlMs > 0) remember({ allowed: true, reason: 'allowed', expiresAtMs: t + ttlMs });
      const d: AuthDecision = { allowed: true, reason: 'allowed', stream, user, recheckAtMs };
      log(d, false, { method });
      return d;
    }
    // The ACL knows users too: a user disabled or deleted since the password check is a credential
    // failure for a new client (not told apart), and said precisely to a live session's re-check.
    const userGone = answer.reason === 'unknown_user' || answer.reason === 'user_disabled';
    const reason: AuthReason = !userGone
      ? 'stream_not_allowed'
      : !fresh
        ? 'bad_credentials'
        : answer.reason === 'user_disabled'
          ? 'user_disabled'
          : 'credentials_changed';
    if (!fresh || !userGone) remember({ allowed: false, reason: userGone ? 'bad_credentials' : reason, expiresAtMs: t + negativeTtlMs });
    const d = deny(reason, user);
    if (reason === 'bad_credentials') await failed(req.ip);
    log(d, false, { method });
    return d;
  }

  /** The decision-cache key, or undefined for credentials that must never be served from cache. */
  function cacheKey(req: AuthorizeRequest, path: string, c: Exclude<Credentials, { kind: 'none' }>): string | undefined {
    const who =
      c.kind === 'password'
        ? `p:${c.user}:${createHmac('sha256', cacheKeySecret).update(`${c.user}\0${c.password}`).digest('base64')}`
        : c.kind === 'verified'
          ? `v:${c.user}`
          : null;
    // A digest proof is bound to one request's nonce: never served from cache.
    if (who === null) return undefined;
    return JSON.stringify([req.action, path, req.ip, who]);
  }

  return {
    connect: (req) => connect(req).catch(() => ({ kind: 'reject', description: adobeAuthFailedDescription(), reason: 'bad_request' }) as const),
    authorize: (req) => decide(req, false).catch(() => internalDenial(req)),
    recheck: (req) => decide(req, true).catch(() => internalDenial(req)),
  };
}

interface CachedAnswer {
  allowed: boolean;
  reason: AuthReason;
  expiresAtMs: number;
}

function serviceFailure(err: unknown): { ok: false; reason: AuthReason; errorCode: string } {
  if (err instanceof AuthServiceError) {
    return { ok: false, reason: err.code === 'auth_timeout' ? 'timeout' : 'service_unavailable', errorCode: err.code };
  }
  return { ok: false, reason: 'service_unavailable', errorCode: 'internal' };
}

function safeVerify(c: { verify(password: string): boolean }, password: string): boolean {
  try {
    return c.verify(password) === true;
  } catch {
    return false;
  }
}

function methodOf(c: Credentials): Method | undefined {
  switch (c.kind) {
    case 'none':
      return undefined;
    case 'password':
      return c.source === 'rtsp-basic' || c.source === 'http-basic' || c.source === 'http-cookie' || c.source === 'srt-stream-id' ? c.source : 'query';
    case 'proof':
      return c.method;
    case 'verified':
      return c.method;
  }
}

function credentialUser(c: Credentials): string | undefined {
  return c.kind === 'none' ? undefined : c.user;
}

function errorCode(err: unknown): string {
  return err instanceof RtmpAuthError ? err.code : 'internal';
}

/** The name part for logs when the query itself was refused. */
function splitAtQueryLoose(value: string): string {
  const at = value.indexOf('?');
  return (at < 0 ? value : value.slice(0, at)).slice(0, 256);
}

function internalDenial(req: AuthorizeRequest): AuthDecision {
  const stream = splitAtQueryLoose(req.stream);
  return { allowed: false, reason: 'service_unavailable', stream, description: describeDenial('service_unavailable', stream) };
}
