import { StreamgateError } from '#domain/errors.js';
import { httpFetch } from './http-fetch.js';
import { readLimitedText, type FetchFn } from './fetch-json.js';
import type { AwsCredentials } from './sigv4-sign.js';

/** Why the container credentials endpoint gave no credentials. */
export type ContainerCredentialsErrorCode = 'CREDENTIALS_ENDPOINT_REFUSED' | 'CREDENTIALS_UNREACHABLE' | 'CREDENTIALS_BAD_ANSWER';

/** The container credentials endpoint was not asked (host not allowed) or gave no usable answer. */
export class ContainerCredentialsError extends StreamgateError<ContainerCredentialsErrorCode> {
  override readonly name = 'ContainerCredentialsError';
}

/** Where ECS serves a task role's credentials for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`. */
const ECS_HOST = 'http://169.254.170.2';
/** A credentials answer is a few hundred bytes (the session token up to ~2 KB). */
const ANSWER_MAX_BYTES = 16 * 1024;

/**
 * The AWS SDK's rule for a full credentials URI: HTTPS, or plain HTTP to the ECS/EKS container
 * hosts or loopback, so a wrong setting cannot send the authorization token to any host in clear.
 */
export function containerUriAllowed(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (['169.254.170.2', '169.254.170.23', '[fd00:ec2::23]', 'localhost', '[::1]'].includes(url.hostname) || /^127(\.\d{1,3}){3}$/.test(url.hostname));
}

/**
 * The URL to ask: `169.254.170.2` + the relative URI, else the full URI, which over plain HTTP
 * must name a container credentials host or loopback ({@link containerUriAllowed}).
 */
export function containerCredentialsUrl(source: { relativeUri?: string; fullUri?: string }): URL {
  if (source.relativeUri) return new URL(source.relativeUri, ECS_HOST);
  const full = source.fullUri ?? '';
  if (!containerUriAllowed(full)) throw new ContainerCredentialsError('CREDENTIALS_ENDPOINT_REFUSED', 'AWS_CONTAINER_CREDENTIALS_FULL_URI is neither HTTPS nor a container or loopback address');
  return new URL(full);
}

/**
 * One GET of the container credentials endpoint (the ECS task role): the answer's `AccessKeyId`,
 * `SecretAccessKey`, `Token` and `Expiration`, asked with `authorization` when a token is given.
 * The ingest's own few lines instead of the AWS SDK's `fromHttp`, whose package brought most of
 * the SDK into every task (the cluster registry's client is ours too: registry-client.ts).
 */
export async function fetchContainerCredentials(
  source: { relativeUri?: string; fullUri?: string; authorizationToken?: string },
  signal: AbortSignal,
  fetchFn: FetchFn = httpFetch,
): Promise<AwsCredentials> {
  const url = containerCredentialsUrl(source);
  const headers: Record<string, string> = source.authorizationToken ? { authorization: source.authorizationToken } : {};
  let text: string;
  try {
    const res = await fetchFn(url, { method: 'GET', headers, signal });
    try {
      if (res.status !== 200) throw new ContainerCredentialsError('CREDENTIALS_BAD_ANSWER', `credentials endpoint answered HTTP ${res.status}`);
      text = await readLimitedText(res, ANSWER_MAX_BYTES, (size, limit) => new ContainerCredentialsError('CREDENTIALS_BAD_ANSWER', `credentials answer too large: ${size} > limit ${limit} bytes`));
    } finally {
      res.body?.cancel().catch(() => {});
    }
  } catch (err) {
    if (err instanceof ContainerCredentialsError) throw err;
    throw new ContainerCredentialsError('CREDENTIALS_UNREACHABLE', 'credentials endpoint unreachable', { cause: err });
  }
  let answer: { AccessKeyId?: unknown; SecretAccessKey?: unknown; Token?: unknown; Expiration?: unknown };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch (err) {
    throw new ContainerCredentialsError('CREDENTIALS_BAD_ANSWER', 'credentials answer is not JSON', { cause: err });
  }
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = answer ?? {};
  if (typeof AccessKeyId !== 'string' || typeof SecretAccessKey !== 'string' || AccessKeyId === '' || SecretAccessKey === '') {
    throw new ContainerCredentialsError('CREDENTIALS_BAD_ANSWER', 'credentials answer without AccessKeyId and SecretAccessKey');
  }
  const expiration = typeof Expiration === 'string' ? new Date(Expiration) : undefined;
  if (expiration !== undefined && Number.isNaN(expiration.getTime())) throw new ContainerCredentialsError('CREDENTIALS_BAD_ANSWER', 'credentials answer with an unreadable Expiration');
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    ...(typeof Token === 'string' && Token !== '' ? { sessionToken: Token } : {}),
    ...(expiration !== undefined ? { expiration } : {}),
  };
}
