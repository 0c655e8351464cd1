import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { TeaFormatError } from '#domain/errors.js';
import { TOKEN_INVALID_CLIENT, TOKEN_MAX_BODY_BYTES, TOKEN_MAX_CLIENTID_HEX, TOKEN_PATH, TOKEN_VERSION, WOWZA_TOKEN_PATH } from '#domain/functions-contract.js';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { validateUserName } from '#domain/validate-user-input.js';
import type { FunctionsDeps } from '../functions-deps.js';
import { bearerMatches } from '../http/bearer-matches.js';
import { clientIp } from '../http/client-ip.js';
import { iamAuthorized } from './iam-authorized.js';

const utf8 = new TextDecoder('utf-8');

/**
 * The Wowza-compatible token provider (AUTH-SPEC §2.3). `POST /token` with form body
 * `clientid=<TEA(user)>` answers 200 `{"publisherToken":"<TEA(password)>"}`; every failure
 * (malformed or oversize body, missing/bad clientid, wrong secret, unknown or disabled user,
 * throttled source, store error) answers **200** `{"error":"Invalid Client"}`: a 4xx/5xx would
 * make RTMPAuthToken-style modules fall back to a hard-coded password (§2.2). GET → version;
 * other methods → 405.
 *
 * Failed lookups are throttled per source address, except for a caller presenting the service
 * bearer (`authorization: Bearer <serviceToken>`): that is our ingest, the one source address of
 * every encoder, which throttles per encoder address itself. Counting its failures here would let
 * a few unknown-user guesses lock out every correct login. In AWS with `aclAuth=iam` the ingest
 * signs with SigV4 instead (its `authorization` header is the signature, not a bearer) and the
 * route's IAM authorizer admits only principals allowed `execute-api:Invoke` on it: a request
 * API Gateway authorized with IAM counts as the ingest too. Foreign callers (a Wowza server) send
 * no bearer, are not IAM-authorized, and stay throttled.
 *
 * The same provider answers on {@link WOWZA_TOKEN_PATH}: in AWS that is the public route for an
 * external Wowza server (`exposeToken=true`), so `/token` keeps its IAM authorizer for the ingest.
 * Nothing about the path grants trust: only the bearer or API Gateway's IAM context does.
 */
export function createTokenApp(deps: FunctionsDeps): Hono {
  const app = new Hono();

  /** One lookup: who asks, since when, and the user once the clientid is decoded. */
  interface TokenCall {
    started: number;
    ip: string;
    fromIngest: boolean;
    user?: string;
  }
  const calls = new WeakMap<Context, TokenCall>();
  const answer = (c: Context, call: TokenCall, reason: string, failure: boolean) => {
    if (failure && reason !== 'throttled' && !call.fromIngest) deps.tokenThrottle.recordFailure(call.ip);
    deps.log({
      route: 'token',
      ...(c.req.path === WOWZA_TOKEN_PATH ? { path: WOWZA_TOKEN_PATH } : {}),
      ip: call.ip,
      user: call.user,
      decision: failure ? 'deny' : 'allow',
      reason,
      ...(call.fromIngest ? { caller: 'ingest' } : {}),
      latencyMs: Math.round((performance.now() - call.started) * 100) / 100,
    });
  };
  const invalid = (c: Context, call: TokenCall, reason: string) => {
    answer(c, call, reason, true);
    return c.json(TOKEN_INVALID_CLIENT, 200);
  };

  const screen: MiddlewareHandler = async (c, next) => {
    const call: TokenCall = {
      started: performance.now(),
      ip: clientIp(c),
      fromIngest: bearerMatches(c.req.header('authorization'), deps.serviceToken) || iamAuthorized(c.env),
    };
    calls.set(c, call);
    if (!call.fromIngest && deps.tokenThrottle.isBlocked(call.ip)) return invalid(c, call, 'throttled');
    await next();
  };
  // An oversize body is refused before it is read whole, with Wowza's answer like every failure.
  const limit = bodyLimit({ maxSize: TOKEN_MAX_BODY_BYTES, onError: (c) => invalid(c, calls.get(c)!, 'body_too_large') });

  const lookup = async (c: Context) => {
    const call = calls.get(c)!;
    // Form decoding handles `+`/`%xx`; the first `clientid` wins (§2.3).
    const clientid = new URLSearchParams(utf8.decode(await c.req.arrayBuffer())).get('clientid');
    if (clientid === null || clientid.length === 0) return invalid(c, call, 'missing_clientid');
    if (clientid.length > TOKEN_MAX_CLIENTID_HEX) return invalid(c, call, 'clientid_too_long');
    try {
      call.user = teaDecrypt(clientid, deps.teaSecret);
      validateUserName(call.user);
    } catch (err) {
      call.user = undefined;
      return invalid(c, call, err instanceof TeaFormatError ? err.code : 'bad_user_name');
    }
    let found;
    try {
      found = await deps.users.getWithPassword(call.user);
    } catch (err) {
      deps.log({ route: 'token', level: 'error', error: (err as Error).name, code: (err as { code?: string }).code });
      answer(c, call, 'store_error', false);
      return c.json(TOKEN_INVALID_CLIENT, 200);
    }
    if (!found) return invalid(c, call, 'unknown_user');
    if (!found.user.enabled) return invalid(c, call, 'user_disabled');
    const publisherToken = teaEncrypt(found.password, deps.teaSecret);
    answer(c, call, 'ok', false);
    return c.json({ publisherToken }, 200);
  };

  for (const path of [TOKEN_PATH, WOWZA_TOKEN_PATH]) {
    app.post(path, screen, limit, lookup);
    app.get(path, (c) => c.json(TOKEN_VERSION, 200));
    app.all(path, (c) => c.json({ error: 'Method Not Allowed' }, 405));
  }
  return app;
}
