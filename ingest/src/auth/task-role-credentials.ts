import { fetchContainerCredentials } from './fetch-container-credentials.js';
import type { AwsCredentials } from './sigv4-sign.js';

/** Where credentials come from: the values of the standard AWS variables (read by config.ts). */
export interface AwsCredentialSource {
  /** `AWS_ACCESS_KEY_ID` */
  accessKeyId?: string;
  /** `AWS_SECRET_ACCESS_KEY` */
  secretAccessKey?: string;
  /** `AWS_SESSION_TOKEN` */
  sessionToken?: string;
  /** `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (ECS sets it for the task role). */
  containerRelativeUri?: string;
  /** `AWS_CONTAINER_CREDENTIALS_FULL_URI` */
  containerFullUri?: string;
  /** `AWS_CONTAINER_AUTHORIZATION_TOKEN`, sent as `authorization` to the full URI. */
  containerAuthorizationToken?: string;
}

/** Hands out current credentials; rejects when none can be had (the caller then fails closed). */
export type AwsCredentialsProvider = (signal?: AbortSignal) => Promise<AwsCredentials>;

/** Refresh this long before `Expiration` (the AWS SDK's own margin). */
export const CREDENTIALS_REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * The credentials the ingest signs its functions calls with: static keys
 * (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, with `AWS_SESSION_TOKEN`) when given, else the ECS
 * task role from the container credentials endpoint ({@link fetchContainerCredentials}, what the
 * AWS SDK's `fromHttp` does: `169.254.170.2` + the relative URI, or the full URI with
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN`; plain HTTP only to the container hosts or loopback).
 * Endpoint credentials are kept until {@link CREDENTIALS_REFRESH_BEFORE_MS} before they expire;
 * concurrent callers share one request; when a refresh fails, credentials that have not expired
 * yet are still used. Returns undefined when neither source is configured.
 */
export function taskRoleCredentials(source: AwsCredentialSource, options: { timeoutMs?: number } = {}): AwsCredentialsProvider | undefined {
  if (source.accessKeyId && source.secretAccessKey) {
    const creds: AwsCredentials = {
      accessKeyId: source.accessKeyId,
      secretAccessKey: source.secretAccessKey,
      ...(source.sessionToken ? { sessionToken: source.sessionToken } : {}),
    };
    return async () => creds;
  }
  if (!source.containerRelativeUri && !source.containerFullUri) return undefined;
  const endpointSource = {
    ...(source.containerRelativeUri ? { relativeUri: source.containerRelativeUri } : {}),
    ...(source.containerFullUri ? { fullUri: source.containerFullUri } : {}),
    ...(source.containerAuthorizationToken ? { authorizationToken: source.containerAuthorizationToken } : {}),
  };
  // A failed refresh is tried again by the next call; retrying here would outlast the auth deadline.
  const endpoint = () => fetchContainerCredentials(endpointSource, AbortSignal.timeout(options.timeoutMs ?? 1000));
  let cached: AwsCredentials | undefined;
  let inflight: Promise<AwsCredentials> | undefined;
  const refresh = (): Promise<AwsCredentials> => {
    inflight ??= endpoint()
      .then((c) => (cached = c))
      .finally(() => (inflight = undefined));
    return inflight;
  };
  return async (signal) => {
    if (cached?.expiration && cached.expiration.getTime() - CREDENTIALS_REFRESH_BEFORE_MS > Date.now()) return cached;
    try {
      return await untilAborted(refresh(), signal);
    } catch (err) {
      // Still valid (inside the refresh margin): keep signing with them rather than deny.
      if (cached?.expiration && cached.expiration.getTime() > Date.now()) return cached;
      throw err;
    }
  };
}

/** Settles with `p`, or rejects as soon as `signal` aborts (the shared refresh keeps running). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
