import { ADOBE_NEED_AUTH_DESCRIPTION, adobeAuthFailedDescription } from '#domain/adobe-auth.js';
import { describeDenial } from '#domain/auth-decision.js';
import { LLNW_NEED_AUTH_DESCRIPTION } from '#domain/llnw-auth.js';
import { constantTimeEqual } from '#domain/rtmp-auth-compare.js';
import { RtmpAuthError } from '#domain/rtmp-auth-error.js';
import { parseQueryCredentials, parseRtmpAuthQuery, splitConnectApp } from '#domain/rtmp-auth-query.js';
import type { ConnectOutcome, ConnectRequest, Credentials } from './authorizer.js';
import type { AuthorizerContext } from './authorizer-context.js';
import { authServiceFailure, nameBeforeQuery } from './auth-service-failure.js';
import { adobeChallengeStep, llnwChallengeStep, type ConnectStep } from './connect-challenges.js';

/**
 * Screens an RTMP connect (Authorizer.connect): `?user=&pass=` checked here, the Adobe/llnw
 * challenge steps, the step-1 challenge for a credential-less client that must authenticate, or
 * anonymous. Logs one line and never throws: an unparseable carrier is refused as `bad_request`.
 */
export async function screenConnect(ctx: AuthorizerContext, req: ConnectRequest): Promise<ConnectOutcome> {
  const started = ctx.now();
  let app = req.app;
  let step: ConnectStep;
  try {
    const split = splitConnectApp(req.app, req.tcUrl);
    app = split.app;
    step = await connectStep(ctx, req, split.app, split.query);
  } catch (err) {
    // Unparseable carriers or a bug: refuse, never throw at the server.
    step = {
      outcome: { kind: 'reject', description: adobeAuthFailedDescription(), reason: 'bad_request' },
      errorCode: err instanceof RtmpAuthError ? err.code : 'internal',
    };
    app = nameBeforeQuery(req.app);
  }
  const o = step.outcome;
  ctx.emit(
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

async function connectStep(ctx: AuthorizerContext, req: ConnectRequest, app: string, query: string): Promise<ConnectStep> {
  const accept = (credentials: Credentials): ConnectStep => ({ outcome: { kind: 'accept', app, credentials } });
  if (ctx.publishAuth === 'off' && ctx.playAuth === 'none') return accept({ kind: 'none' });

  const creds = parseQueryCredentials(query);
  if (creds) return queryStep(ctx, req, app, creds);
  const q = parseRtmpAuthQuery(query);
  if (q.authmod === 'adobe') return adobeChallengeStep(ctx, req, app, q);
  if (q.authmod === 'llnw') return llnwChallengeStep(ctx, req, app, q);

  const mustChallenge =
    ctx.config.connectWithoutCredentials !== 'accept' &&
    (req.role === 'player'
      ? ctx.playAuth === 'required'
      : req.role === 'publisher'
        ? ctx.publishAuth === 'required'
        : ctx.publishAuth === 'required' || ctx.playAuth === 'required');
  if (!mustChallenge) return accept({ kind: 'none' });
  const description = ctx.config.challenge === 'llnw' ? LLNW_NEED_AUTH_DESCRIPTION : ADOBE_NEED_AUTH_DESCRIPTION;
  return { outcome: { kind: 'reject', description, reason: 'need_auth' } };
}

/**
 * Wowza-style `?user=&pass=` on connect: the password is checked here, so wrong credentials are
 * refused at connect like a failed Adobe answer (throttled, after the failure delay) and never
 * hold a connection open. The grant is decided at publish/play, where the stream is known; the
 * password goes along for that decision (and its rechecks).
 */
async function queryStep(ctx: AuthorizerContext, req: ConnectRequest, app: string, creds: { user: string; password: string }): Promise<ConnectStep> {
  const method = 'query';
  const user = creds.user;
  const fail = (reason: Parameters<typeof describeDenial>[0], errorCode?: string): ConnectStep => ({
    outcome: { kind: 'reject', description: describeDenial(reason, ''), reason },
    user,
    method,
    ...(errorCode ? { errorCode } : {}),
  });
  if (ctx.throttle.isBlocked(req.ip)) return fail('throttled');
  let password: string | undefined;
  try {
    password = await ctx.tokens.lookupPassword(user, AbortSignal.timeout(ctx.timeoutMs));
  } catch (err) {
    const f = authServiceFailure(err);
    return fail(f.reason, f.errorCode);
  }
  if (password === undefined || !constantTimeEqual(creds.password, password)) {
    await ctx.failed(req.ip);
    return fail('bad_credentials');
  }
  return { outcome: { kind: 'accept', app, credentials: { kind: 'password', user, password: creds.password, source: 'app-query' } }, user, method };
}
