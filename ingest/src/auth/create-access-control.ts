import { invalidSetting, type IngestConfig } from '../config.js';
import type { Logger } from '#domain/logger.js';
import type { ChallengeReplayCache } from '#domain/adobe-challenge.js';
import type { AuthEvent } from './authorizer.js';
import { createAclClient } from './acl-client.js';
import { createAuthorizer, type AuthorizerConfig, type AuthorizerDeps } from './create-authorizer.js';
import { createRtmpAccessControl, type RtmpAccessControlHandle } from './create-rtmp-access-control.js';
import type { FetchFn, RequestSigner } from './fetch-json.js';
import { sigv4Sign } from './sigv4-sign.js';
import { taskRoleCredentials } from './task-role-credentials.js';
import { containerUriAllowed } from './fetch-container-credentials.js';
import { createTokenClient } from './token-client.js';

/** The IAM-mode values (`STREAMGATE_FUNCTIONS_AUTH` and the standard `AWS_*` variables). */
type IamConfigKeys =
  | 'functionsAuth'
  | 'awsRegion'
  | 'awsAccessKeyId'
  | 'awsSecretAccessKey'
  | 'awsSessionToken'
  | 'awsContainerCredentialsRelativeUri'
  | 'awsContainerCredentialsFullUri'
  | 'awsContainerAuthorizationToken';

/** The configuration values auth needs (a subset of the ingest's config, read by config.ts). */
export type AccessControlConfig = Pick<IngestConfig, 'auth' | 'playAuth' | 'functionsUrl' | 'teaSecret' | 'serviceToken' | 'authTimeoutMs'> &
  Partial<Pick<IngestConfig, IamConfigKeys>>;

/** Collaborators for tests; production uses httpFetch (node:http) and the clock. */
export interface AccessControlDeps {
  fetch?: FetchFn;
  now?: () => number;
  /** The challenge replay cache; a cluster passes the one in its registry (shared by every task). */
  replayCache?: ChallengeReplayCache;
}

/**
 * Builds the RTMP server's access control from the ingest configuration: an
 * {@link createAuthorizer authorizer} over the functions at `functionsUrl` (TEA `/token`, `/acl`),
 * adapted by {@link createRtmpAccessControl}. How the ingest proves itself to the functions
 * follows `functionsAuth`: `token` (default, the local stack) sends the service bearer; `iam`
 * (AWS, API Gateway's IAM authorizer) signs both calls with SigV4 for `execute-api` using the
 * task-role (or static `AWS_*`) credentials and sends no bearer. Decisions go to `log` as `auth`
 * events (info; fail-closed service errors as warn). `STREAMGATE_AUTH=off` with play auth `none`
 * needs no functions. Throws ConfigError when auth is on and the functions URL, TEA secret, the
 * service token (token mode) or the region/credentials source (iam mode) is missing.
 */
export function createAccessControl(
  config: AccessControlConfig,
  log: Logger,
  overrides: Partial<AuthorizerConfig> = {},
  deps: AccessControlDeps = {},
): RtmpAccessControlHandle {
  const needsFunctions = config.auth === 'on' || config.playAuth === 'required';
  const iam = config.functionsAuth === 'iam';
  let sign: RequestSigner | undefined;
  if (needsFunctions) {
    if (!config.functionsUrl) throw invalidSetting('STREAMGATE_FUNCTIONS_URL', 'required while auth is on');
    if (!config.teaSecret) throw invalidSetting('STREAMGATE_TEA_SECRET', 'required while auth is on');
    if (iam) sign = createIamSigner(config, config.functionsUrl, deps);
    else if (!config.serviceToken) throw invalidSetting('STREAMGATE_SERVICE_TOKEN', 'required while auth is on');
  }
  const authorizerConfig: AuthorizerConfig = {
    functionsUrl: config.functionsUrl ?? 'http://127.0.0.1:0',
    teaSecret: config.teaSecret ?? '',
    serviceToken: config.serviceToken ?? '',
    publishAuth: config.auth === 'off' ? 'off' : 'required',
    playAuth: config.playAuth,
    timeoutMs: config.authTimeoutMs,
    ...overrides,
  };
  const authorizerDeps: AuthorizerDeps = {
    log: (e) => logAuthEvent(log, e),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.replayCache ? { replayCache: deps.replayCache } : {}),
  };
  if (sign) {
    const { functionsUrl, teaSecret } = authorizerConfig;
    authorizerDeps.tokenClient = createTokenClient({ functionsUrl, teaSecret, sign, fetch: deps.fetch });
    authorizerDeps.aclClient = createAclClient({ functionsUrl, serviceToken: '', sign, fetch: deps.fetch });
  }
  return createRtmpAccessControl(createAuthorizer(authorizerConfig, authorizerDeps));
}

/** `https://abc.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`. */
export function regionFromApiUrl(url: string): string | undefined {
  try {
    return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(new URL(url).hostname)?.[1];
  } catch {
    return undefined;
  }
}

/** SigV4 signer for `execute-api` calls to the functions (task-role or static credentials). */
export function createIamSigner(config: AccessControlConfig, functionsUrl: string, deps: AccessControlDeps = {}): RequestSigner {
  const region = config.awsRegion ?? regionFromApiUrl(functionsUrl);
  if (!region) throw invalidSetting('AWS_REGION', 'required with STREAMGATE_FUNCTIONS_AUTH=iam (or an execute-api functions URL)');
  const full = config.awsContainerCredentialsFullUri;
  if (full !== undefined && !(config.awsAccessKeyId && config.awsSecretAccessKey) && !config.awsContainerCredentialsRelativeUri && !containerUriAllowed(full)) {
    throw invalidSetting('AWS_CONTAINER_CREDENTIALS_FULL_URI', `STREAMGATE_FUNCTIONS_AUTH=iam: ${full.slice(0, 200)} is neither HTTPS nor a container or loopback address`);
  }
  const credentials = taskRoleCredentials(
    {
      accessKeyId: config.awsAccessKeyId,
      secretAccessKey: config.awsSecretAccessKey,
      sessionToken: config.awsSessionToken,
      containerRelativeUri: config.awsContainerCredentialsRelativeUri,
      containerFullUri: full,
      containerAuthorizationToken: config.awsContainerAuthorizationToken,
    },
    { timeoutMs: config.authTimeoutMs },
  );
  if (credentials === undefined) {
    throw invalidSetting('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'STREAMGATE_FUNCTIONS_AUTH=iam: no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or run with an ECS task role');
  }
  const now = deps.now ?? Date.now;
  return async (req, signal) => {
    const creds = await credentials(signal);
    return (await sigv4Sign({ ...req, credentials: creds, region, service: 'execute-api', now: new Date(now()) })).headers;
  };
}

function logAuthEvent(log: Logger, e: AuthEvent): void {
  const { event, ...fields } = e;
  if (e.reason === 'service_unavailable' || e.reason === 'timeout') log.warn(event, fields);
  else log.info(event, fields);
}
