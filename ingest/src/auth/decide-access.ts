import { createHmac } from 'node:crypto';
import type { AuthDecision, AuthReason } from '#domain/auth-decision.js';
import type { AclResponse } from '#domain/functions-contract.js';
import { constantTimeEqual } from '#domain/rtmp-auth-compare.js';
import type { AuthorizeRequest } from './authorizer.js';
import type { AuthorizerContext, CachedAnswer } from './authorizer-context.js';
import { authServiceFailure } from './auth-service-failure.js';
import { type AccessLogView, denial, type ResolvedAccess, resolveAccessRequest } from './resolve-access-request.js';

/**
 * Decides a publish/play (Authorizer.authorize, or with `fresh` Authorizer.recheck): resolves
 * the request, then checks the password (or proof) through `/token` and the grant through `/acl`,
 * with the decision cache and the failure throttle (both skipped when `fresh`). Logs one line.
 */
export async function decideAccess(ctx: AuthorizerContext, req: AuthorizeRequest, fresh: boolean): Promise<AuthDecision> {
  const started = ctx.now();
  const r = resolveAccessRequest(ctx, req);
  if (r.kind === 'decided') {
    logDecision(ctx, req, r.decision, false, r.log, started);
    return r.decision;
  }
  return decideResolved(ctx, r.access, fresh, started);
}

function logDecision(ctx: AuthorizerContext, req: AuthorizeRequest, d: AuthDecision, cached: boolean, view: AccessLogView, started: number): void {
  ctx.emit(
    {
      user: view.user,
      app: view.app,
      stream: view.stream,
      action: req.action,
      ip: req.ip,
      protocol: req.protocol,
      allowed: d.allowed,
      reason: d.reason,
      cached,
      ...(view.method !== undefined ? { method: view.method } : {}),
      ...(view.errorCode !== undefined ? { errorCode: view.errorCode } : {}),
    },
    started,
  );
}

async function decideResolved(ctx: AuthorizerContext, a: ResolvedAccess, fresh: boolean, started: number): Promise<AuthDecision> {
  const { req, stream, id, credentials, user, method } = a;
  const log = (d: AuthDecision, cached: boolean, errorCode?: string): void =>
    logDecision(ctx, req, d, cached, { app: id.app, stream: id.stream, user: d.user ?? user, method, errorCode }, started);
  const deny = (reason: AuthReason): AuthDecision => denial(reason, stream, user);

  if (!fresh && ctx.throttle.isBlocked(req.ip)) {
    const d = deny('throttled');
    log(d, false);
    return d;
  }

  const key = decisionCacheKey(ctx, a);
  const remember = (answer: CachedAnswer): void => {
    if (key !== undefined) ctx.cache.set(key, answer, answer.expiresAtMs);
  };
  if (!fresh && key !== undefined) {
    const hit = ctx.cache.get(key);
    if (hit) {
      const d: AuthDecision = hit.allowed ? { allowed: true, reason: 'allowed', stream, user, recheckAtMs: hit.expiresAtMs } : deny(hit.reason);
      if (d.reason === 'bad_credentials') await ctx.failed(req.ip);
      log(d, true);
      return d;
    }
  }

  const signal = AbortSignal.timeout(ctx.timeoutMs);
  const aclRequest = { user, action: req.action, app: id.app, stream: id.stream, ip: req.ip };
  let answer: AclResponse;
  try {
    if (credentials.kind === 'password' || credentials.kind === 'proof') {
      const password = await ctx.tokens.lookupPassword(user, signal);
      const ok =
        password !== undefined && (credentials.kind === 'password' ? constantTimeEqual(credentials.password, password) : safeVerify(credentials, password));
      if (!ok) {
        if (fresh) {
          // A live session that passed before: say what changed (the ACL knows a disabled user).
          const since = await ctx.acl.check(aclRequest, signal);
          const d = deny(since.reason === 'user_disabled' ? 'user_disabled' : 'credentials_changed');
          log(d, false);
          return d;
        }
        remember({ allowed: false, reason: 'bad_credentials', expiresAtMs: ctx.now() + ctx.negativeTtlMs });
        const d = deny('bad_credentials');
        await ctx.failed(req.ip);
        log(d, false);
        return d;
      }
    }
    answer = await ctx.acl.check(aclRequest, signal);
  } catch (err) {
    const f = authServiceFailure(err);
    const d = deny(f.reason);
    log(d, false, f.errorCode);
    return d;
  }

  const t = ctx.now();
  if (answer.allowed) {
    const ttlMs = Math.min(answer.ttlSeconds * 1000, ctx.maxPositiveTtlMs);
    const recheckAtMs = t + Math.max(ttlMs, 1000);
    if (ttlMs > 0) remember({ allowed: true, reason: 'allowed', expiresAtMs: t + ttlMs });
    const d: AuthDecision = { allowed: true, reason: 'allowed', stream, user, recheckAtMs };
    log(d, false);
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
  if (!fresh || !userGone) remember({ allowed: false, reason: userGone ? 'bad_credentials' : reason, expiresAtMs: t + ctx.negativeTtlMs });
  const d = deny(reason);
  if (reason === 'bad_credentials') await ctx.failed(req.ip);
  log(d, false);
  return d;
}

/** The decision-cache key, or undefined for credentials that must never be served from cache. */
function decisionCacheKey(ctx: AuthorizerContext, a: ResolvedAccess): string | undefined {
  const c = a.credentials;
  const who =
    c.kind === 'password'
      ? `p:${c.user}:${createHmac('sha256', ctx.cacheKeySecret).update(`${c.user}\0${c.password}`).digest('base64')}`
      : c.kind === 'verified'
        ? `v:${c.user}`
        : null;
  // A digest proof is bound to one request's nonce: never served from cache.
  if (who === null) return undefined;
  return JSON.stringify([a.req.action, a.id.path, a.req.ip, who]);
}

function safeVerify(c: { verify(password: string): boolean }, password: string): boolean {
  try {
    return c.verify(password) === true;
  } catch {
    return false;
  }
}
