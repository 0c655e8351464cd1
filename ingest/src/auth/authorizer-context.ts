import { createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import type { ChallengeKey, ChallengeReplayCache } from '#domain/adobe-challenge.js';
import type { AuthReason } from '#domain/auth-decision.js';
import { ExpiringMap } from '#domain/expiring-map.js';
import { FailureThrottle } from '#domain/failure-throttle.js';
import { createAclClient, type AclClient } from './acl-client.js';
import type { AuthAction, AuthEvent, Credentials, VerifiedCredentials } from './authorizer.js';
import type { AuthorizerConfig, AuthorizerDeps } from './authorizer-config.js';
import { MemoryReplayCache } from './memory-replay-cache.js';
import { createTokenClient, type TokenClient } from './token-client.js';

/** How a user authenticated, as logged. */
export type AuthMethod = NonNullable<AuthEvent['method']>;

/** A publish/play answer kept in the decision cache. */
export interface CachedAnswer {
  allowed: boolean;
  reason: AuthReason;
  expiresAtMs: number;
}

/**
 * Everything one authorizer's connect screening and publish/play decisions share: the settings
 * with their defaults applied, the functions clients, the caches and the throttle, and the few
 * operations over them (log a decision, count a failure, mint verified credentials).
 */
export interface AuthorizerContext {
  readonly config: AuthorizerConfig;
  readonly publishAuth: 'required' | 'off';
  readonly playAuth: 'none' | 'required';
  readonly timeoutMs: number;
  readonly negativeTtlMs: number;
  readonly maxPositiveTtlMs: number;
  readonly challengeTtlMs: number;
  /** The key sealing Adobe challenges and llnw nonces. */
  readonly challengeKey: ChallengeKey;
  /** Per-process key of the decision cache's password HMAC (the cache never holds a password). */
  readonly cacheKeySecret: Uint8Array;
  readonly now: () => number;
  readonly random: (n: number) => Uint8Array;
  readonly tokens: TokenClient;
  readonly acl: AclClient;
  readonly replay: ChallengeReplayCache;
  /** The decision cache (bounded; keys never hold a password). */
  readonly cache: ExpiringMap<string, CachedAnswer>;
  readonly throttle: FailureThrottle;
  /** True when `action` needs credentials (publish auth on / play auth required). */
  authRequired(action: AuthAction): boolean;
  /** Logs one decision; a throwing log sink is ignored. */
  emit(e: Omit<AuthEvent, 'event' | 'latencyMs'>, startedMs: number): void;
  /** Counts a credential failure of `ip` and waits the failure delay. */
  failed(ip: string): Promise<void>;
  /** Verified credentials only this context honours. */
  mint(user: string, method: 'adobe' | 'llnw'): VerifiedCredentials;
  /** True when `c` was minted by this context. */
  isMinted(c: Credentials): boolean;
}

/** Applies the defaults of {@link AuthorizerConfig} and builds the shared state of one authorizer. */
export function createAuthorizerContext(config: AuthorizerConfig, deps: AuthorizerDeps): AuthorizerContext {
  const publishAuth = config.publishAuth ?? 'required';
  const playAuth = config.playAuth ?? 'none';
  const failureDelayMs = config.failureDelayMs ?? 1000;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.randomBytes ?? ((n: number) => nodeRandomBytes(n));
  const throttle = new FailureThrottle({
    maxFailures: config.maxFailures ?? 10,
    windowMs: config.failureWindowMs ?? 60_000,
    maxKeys: config.throttleMaxAddresses ?? 10_000,
    now,
  });
  // Only credentials this instance minted at connect are honoured as `verified`.
  const minted = new WeakSet<object>();
  return {
    config,
    publishAuth,
    playAuth,
    timeoutMs: config.timeoutMs ?? 2000,
    negativeTtlMs: config.negativeTtlMs ?? 5000,
    maxPositiveTtlMs: config.maxPositiveTtlMs ?? 300_000,
    challengeTtlMs: config.challengeTtlMs ?? 60_000,
    challengeKey: config.challengeKey ?? createHmac('sha256', config.teaSecret).update('streamgate/rtmp-challenge/v1').digest(),
    cacheKeySecret: random(32),
    now,
    random,
    tokens:
      deps.tokenClient ??
      createTokenClient({ functionsUrl: config.functionsUrl, teaSecret: config.teaSecret, serviceToken: config.serviceToken, fetch: deps.fetch }),
    acl: deps.aclClient ?? createAclClient({ functionsUrl: config.functionsUrl, serviceToken: config.serviceToken, fetch: deps.fetch }),
    replay: deps.replayCache ?? new MemoryReplayCache(config.replayCacheMaxEntries ?? 10_000),
    cache: new ExpiringMap<string, CachedAnswer>({ maxEntries: config.cacheMaxEntries ?? 10_000, now }),
    throttle,
    authRequired: (action) => (action === 'publish' ? publishAuth === 'required' : playAuth === 'required'),
    emit(e, startedMs) {
      try {
        deps.log({ event: 'auth', ...e, user: e.user?.slice(0, 64), latencyMs: Math.max(0, now() - startedMs) });
      } catch {
        // A broken log sink must not turn into an unanswered client.
      }
    },
    async failed(ip) {
      throttle.recordFailure(ip);
      if (failureDelayMs > 0) await sleep(failureDelayMs);
    },
    mint(user, method) {
      const c: VerifiedCredentials = Object.freeze({ kind: 'verified', user, method });
      minted.add(c);
      return c;
    },
    isMinted: (c) => minted.has(c),
  };
}
