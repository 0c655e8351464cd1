import { describeDenial, type AuthDecision, type AuthReason } from '#domain/auth-decision.js';
import { canonicalStream, StreamNameError, type StreamIdentity } from '#domain/canonical-stream.js';
import { parseQueryCredentials, splitAtQuery } from '#domain/rtmp-auth-query.js';
import type { AuthorizeRequest, Credentials } from './authorizer.js';
import type { AuthMethod, AuthorizerContext } from './authorizer-context.js';
import { authErrorCode, nameBeforeQuery } from './auth-service-failure.js';

/** A publish/play whose stream and credentials are known: what the decision works over. */
export interface ResolvedAccess {
  readonly req: AuthorizeRequest;
  /** The stream name as sent, without its query (what denials quote). */
  readonly stream: string;
  /** The canonical identity the ACL and the decision cache see. */
  readonly id: StreamIdentity;
  readonly credentials: Exclude<Credentials, { kind: 'none' }>;
  readonly user: string;
  readonly method: AuthMethod | undefined;
}

/** What the log line of a decision names. */
export interface AccessLogView {
  app: string;
  stream: string;
  user: string | undefined;
  method?: AuthMethod;
  errorCode?: string;
}

/** Either a decision reached without asking anyone, with its log line, or the resolved access. */
export type AccessResolution = { kind: 'decided'; decision: AuthDecision; log: AccessLogView } | { kind: 'resolved'; access: ResolvedAccess };

/** A denial quoting `stream`. */
export function denial(reason: AuthReason, stream: string, user?: string): AuthDecision {
  return { allowed: false, reason, stream, description: describeDenial(reason, stream), ...(user !== undefined ? { user } : {}) };
}

/**
 * Resolves a publish/play request: splits the name from its query, finds the canonical stream,
 * answers at once when auth is off for the action, takes `?user=&pass=` from the name when the
 * connection carries no credentials, and refuses missing or foreign (not minted here) credentials.
 */
export function resolveAccessRequest(ctx: AuthorizerContext, req: AuthorizeRequest): AccessResolution {
  let credentials = req.credentials;
  const decided = (decision: AuthDecision, app: string, stream: string, extra: { method?: AuthMethod; errorCode?: string } = {}): AccessResolution => ({
    kind: 'decided',
    decision,
    log: { app, stream, user: decision.user ?? (credentials.kind === 'none' ? undefined : credentials.user), ...extra },
  });

  let stream: string;
  let streamQuery: string;
  try {
    ({ name: stream, query: streamQuery } = splitAtQuery(req.stream));
  } catch (err) {
    const loose = nameBeforeQuery(req.stream);
    return decided(denial('bad_request', loose), req.app, loose, { errorCode: authErrorCode(err) });
  }
  let id: StreamIdentity;
  try {
    id = canonicalStream(req.app, stream);
  } catch (err) {
    if (!(err instanceof StreamNameError)) throw err;
    return decided(denial('bad_request', stream), req.app, stream, { errorCode: err.code });
  }
  if (!ctx.authRequired(req.action)) {
    const reason = req.action === 'play' && ctx.authRequired('publish') ? 'play_auth_off' : 'auth_off';
    return decided({ allowed: true, reason, stream }, id.app, id.stream);
  }
  if (credentials.kind === 'none') {
    try {
      const fromStream = parseQueryCredentials(streamQuery);
      if (fromStream) credentials = { kind: 'password', user: fromStream.user, password: fromStream.password, source: 'stream-query' };
    } catch (err) {
      return decided(denial('bad_request', stream), id.app, id.stream, { errorCode: authErrorCode(err) });
    }
  }
  if (credentials.kind === 'none') return decided(denial('no_credentials', stream), id.app, id.stream);
  const method = credentialMethod(credentials);
  const user = credentials.user;
  if (credentials.kind === 'verified' && !ctx.isMinted(credentials)) {
    return decided(denial('bad_credentials', stream, user), id.app, id.stream, { method });
  }
  return { kind: 'resolved', access: { req, stream, id, credentials, user, method } };
}

function credentialMethod(c: Exclude<Credentials, { kind: 'none' }>): AuthMethod | undefined {
  switch (c.kind) {
    case 'password':
      return c.source === 'rtsp-basic' || c.source === 'http-basic' || c.source === 'http-cookie' || c.source === 'srt-stream-id' ? c.source : 'query';
    case 'proof':
      return c.method;
    case 'verified':
      return c.method;
  }
}
