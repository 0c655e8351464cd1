import { ConfigError, type IngestConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { AuthEvent } from './authorizer.js';
import { createAuthorizer, type AuthorizerConfig } from './create-authorizer.js';
import { createRtmpAccessControl, type RtmpAccessControlHandle } from './create-rtmp-access-control.js';

/** The configuration values auth needs (a subset of the ingest's config, read by config.ts). */
export type AccessControlConfig = Pick<IngestConfig, 'auth' | 'playAuth' | 'functionsUrl' | 'teaSecret' | 'serviceToken' | 'authTimeoutMs'>;

/**
 * Builds the RTMP server's access control from the ingest configuration: an
 * {@link createAuthorizer authorizer} over the functions at `functionsUrl` (TEA `/token`, `/acl`
 * with the service token), adapted by {@link createRtmpAccessControl}. Decisions go to `log` as
 * `auth` events (info; fail-closed service errors as warn). `STREAMGATE_AUTH=off` with play auth
 * `none` needs no functions. Throws ConfigError when auth is on and the functions URL, TEA secret
 * or service token is missing.
 */
export function createAccessControl(config: AccessControlConfig, log: Logger, overrides: Partial<AuthorizerConfig> = {}): RtmpAccessControlHandle {
  const needsFunctions = config.auth === 'on' || config.playAuth === 'required';
  if (needsFunctions) {
    if (!config.functionsUrl) throw new ConfigError('STREAMGATE_FUNCTIONS_URL', 'required while auth is on');
    if (!config.teaSecret) throw new ConfigError('STREAMGATE_TEA_SECRET', 'required while auth is on');
    if (!config.serviceToken) throw new ConfigError('STREAMGATE_SERVICE_TOKEN', 'required while auth is on');
  }
  const authorizer = createAuthorizer(
    {
      functionsUrl: config.functionsUrl ?? 'http://127.0.0.1:0',
      teaSecret: config.teaSecret ?? '',
      serviceToken: config.serviceToken ?? '',
      publishAuth: config.auth === 'off' ? 'off' : 'required',
      playAuth: config.playAuth,
      timeoutMs: config.authTimeoutMs,
      ...overrides,
    },
    { log: (e) => logAuthEvent(log, e) },
  );
  return createRtmpAccessControl(authorizer);
}

function logAuthEvent(log: Logger, e: AuthEvent): void {
  const { event, ...fields } = e;
  if (e.reason === 'service_unavailable' || e.reason === 'timeout') log.warn(event, fields);
  else log.info(event, fields);
}
