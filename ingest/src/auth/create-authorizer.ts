import { adobeAuthFailedDescription } from '#domain/adobe-auth.js';
import { describeDenial, type AuthDecision } from '#domain/auth-decision.js';
import type { Authorizer, AuthorizeRequest } from './authorizer.js';
import type { AuthorizerConfig, AuthorizerDeps } from './authorizer-config.js';
import { createAuthorizerContext } from './authorizer-context.js';
import { nameBeforeQuery } from './auth-service-failure.js';
import { decideAccess } from './decide-access.js';
import { screenConnect } from './screen-connect.js';

export type { AuthorizerConfig, AuthorizerDeps } from './authorizer-config.js';

/**
 * Creates the ingest's {@link Authorizer} (see its JSDoc for how the RTMP server calls it):
 * connect screening (screen-connect.ts, with the Adobe/llnw steps in connect-challenges.ts) and
 * publish/play decisions (decide-access.ts) over one shared context (authorizer-context.ts).
 */
export function createAuthorizer(config: AuthorizerConfig, deps: AuthorizerDeps): Authorizer {
  const ctx = createAuthorizerContext(config, deps);
  return {
    connect: (req) => screenConnect(ctx, req).catch(() => ({ kind: 'reject', description: adobeAuthFailedDescription(), reason: 'bad_request' }) as const),
    authorize: (req) => decideAccess(ctx, req, false).catch(() => internalDenial(req)),
    recheck: (req) => decideAccess(ctx, req, true).catch(() => internalDenial(req)),
  };
}

function internalDenial(req: AuthorizeRequest): AuthDecision {
  const stream = nameBeforeQuery(req.stream);
  return { allowed: false, reason: 'service_unavailable', stream, description: describeDenial('service_unavailable', stream) };
}
