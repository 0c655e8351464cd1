import { adobeAuthFailedDescription, adobeChallengeDescription, verifyAdobeResponse } from '#domain/adobe-auth.js';
import {
  CHALLENGE_RANDOM_BYTES,
  adobeSalt,
  isEchoableUser,
  issueAdobeChallenge,
  issueLlnwNonce,
  openAdobeChallenge,
  openLlnwNonce,
  type ChallengeCheck,
} from '#domain/adobe-challenge.js';
import type { AuthReason } from '#domain/auth-decision.js';
import { LLNW_AUTH_FAILED_DESCRIPTION, LLNW_NC, llnwChallengeDescription, verifyLlnwResponse } from '#domain/llnw-auth.js';
import type { RtmpAuthQuery } from '#domain/rtmp-auth-query.js';
import type { ConnectOutcome, ConnectRequest } from './authorizer.js';
import type { AuthMethod, AuthorizerContext } from './authorizer-context.js';
import { authServiceFailure } from './auth-service-failure.js';

/** What one connect step decided, with what its log line says. */
export interface ConnectStep {
  outcome: ConnectOutcome;
  user?: string;
  method?: AuthMethod;
  errorCode?: string;
}

function refusal(description: string, user: string, method: AuthMethod) {
  return (reason: AuthReason, errorCode?: string): ConnectStep => ({
    outcome: { kind: 'reject', description, reason },
    user,
    method,
    ...(errorCode ? { errorCode } : {}),
  });
}

/**
 * The Adobe (`authmod=adobe`) steps 2 and 3: a connect naming a user gets a sealed challenge (also
 * for unknown users, so nothing about existence leaks, §3.5.2); a connect with a response is
 * accepted with verified credentials when the challenge is valid, unused and answered with the
 * user's password.
 */
export async function adobeChallengeStep(ctx: AuthorizerContext, req: ConnectRequest, app: string, q: RtmpAuthQuery): Promise<ConnectStep> {
  const method: AuthMethod = 'adobe';
  const user = q.user ?? '';
  const fail = refusal(adobeAuthFailedDescription(), user, method);
  if (!isEchoableUser(user)) return fail('bad_credentials');
  if (ctx.throttle.isBlocked(req.ip)) return fail('throttled');
  const key = ctx.challengeKey;
  if (q.response === undefined) {
    const issued = issueAdobeChallenge({ key, user, nowMs: ctx.now(), random: ctx.random(CHALLENGE_RANDOM_BYTES), ttlMs: ctx.challengeTtlMs });
    return { outcome: { kind: 'reject', description: adobeChallengeDescription(issued), reason: 'challenge' }, user, method };
  }
  // Step 3. FFmpeg/GStreamer send opaque when one was issued; we always issue one.
  const opaque = q.opaque ?? '';
  const opened = openAdobeChallenge({ key, user, opaque, nowMs: ctx.now() });
  const verdict = await checkChallengeAnswer(ctx, req, user, opened, opaque, (password, challenge) =>
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
  if (verdict.ok) return { outcome: { kind: 'accept', app, credentials: ctx.mint(user, method) }, user, method };
  return fail(verdict.reason, verdict.errorCode);
}

/** The Limelight (`authmod=llnw`) steps 2 and 3, as {@link adobeChallengeStep} with a sealed nonce. */
export async function llnwChallengeStep(ctx: AuthorizerContext, req: ConnectRequest, app: string, q: RtmpAuthQuery): Promise<ConnectStep> {
  const method: AuthMethod = 'llnw';
  const user = q.user ?? '';
  const fail = refusal(LLNW_AUTH_FAILED_DESCRIPTION, user, method);
  if (!isEchoableUser(user)) return fail('bad_credentials');
  if (ctx.throttle.isBlocked(req.ip)) return fail('throttled');
  const key = ctx.challengeKey;
  if (q.response === undefined) {
    const { nonce } = issueLlnwNonce({ key, user, nowMs: ctx.now(), random: ctx.random(CHALLENGE_RANDOM_BYTES), ttlMs: ctx.challengeTtlMs });
    return { outcome: { kind: 'reject', description: llnwChallengeDescription(user, nonce), reason: 'challenge' }, user, method };
  }
  const nonce = q.nonce ?? '';
  const opened = openLlnwNonce({ key, user, nonce, nowMs: ctx.now() });
  const verdict = await checkChallengeAnswer(ctx, req, user, opened, nonce, (password) =>
    verifyLlnwResponse({ user, password, nonce, cnonce: q.cnonce ?? '', nc: q.nc ?? LLNW_NC, app, response: q.response ?? '' }),
  );
  if (verdict.ok) return { outcome: { kind: 'accept', app, credentials: ctx.mint(user, method) }, user, method };
  return fail(verdict.reason, verdict.errorCode);
}

/** Step 3 of either scheme: challenge valid and unused, password looked up, answer verified. */
async function checkChallengeAnswer(
  ctx: AuthorizerContext,
  req: ConnectRequest,
  user: string,
  opened: ChallengeCheck,
  id: string,
  verify: (password: string, serverChallenge: string) => boolean,
): Promise<{ ok: true } | { ok: false; reason: AuthReason; errorCode?: string }> {
  if (!opened.ok) {
    await ctx.failed(req.ip);
    return { ok: false, reason: 'challenge_invalid', errorCode: `challenge_${opened.reason}` };
  }
  // Claimed before the lookup: a replay racing the original loses, and every guess burns a challenge.
  if (!(await ctx.replay.claim(id, opened.expiresAtMs, ctx.now()))) {
    await ctx.failed(req.ip);
    return { ok: false, reason: 'challenge_invalid', errorCode: 'challenge_replayed' };
  }
  let password: string | undefined;
  try {
    password = await ctx.tokens.lookupPassword(user, AbortSignal.timeout(ctx.timeoutMs));
  } catch (err) {
    return authServiceFailure(err);
  }
  if (password === undefined || !verify(password, opened.challenge)) {
    await ctx.failed(req.ip);
    return { ok: false, reason: 'bad_credentials' };
  }
  return { ok: true };
}
