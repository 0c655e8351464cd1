import { StreamgateError } from '#domain/errors.js';
import { readLimitedText, type FetchFn } from './fetch-json.js';
import type { AwsCredentials } from './sigv4-sign.js';

/** The ECS container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is a path on it). */
export const ECS_CREDENTIALS_HOST = 'http://169.254.170.2';

/** Largest credentials answer read (a real one is about 1.5 KiB). */
export const CREDENTIALS_RESPONSE_MAX_BYTES = 16 * 1024;

/**
 * Stable codes of {@link AwsCredentialsError}:
 * - `aws_credentials_missing`: no static keys and no container credentials endpoint configured.
 * - `aws_credentials_bad_uri`: `AWS_CONTAINER_CREDENTIALS_FULL_URI` is not an allowed endpoint.
 * - `aws_credentials_timeout`: the endpoint did not answer in time.
 * - `aws_credentials_unreachable`: the endpoint could not be reached or answered a non-200 status.
 * - `aws_credentials_bad_body`: the answer is too large, not JSON, or lacks the keys.
 */
export type AwsCredentialsErrorCode =
  | 'aws_credentials_missing'
  | 'aws_credentials_bad_uri'
  | 'aws_credentials_timeout'
  | 'aws_credentials_unreachable'
  | 'aws_credentials_bad_body';

/** No usable AWS credentials: the caller cannot sign, so the request is not made (fail closed). */
export class AwsCredentialsError extends StreamgateError {
  override readonly name = 'AwsCredentialsError';
  constructor(
    override readonly code: AwsCredentialsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

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

/** Hands out current credentials. */
export interface AwsCredentialsProvider {
  /** Resolves usable credentials or rejects with {@link AwsCredentialsError}; `signal` bounds the wait. */
  get(signal?: AbortSignal): Promise<AwsCredentials>;
}

/** Options of {@link createAwsCredentials}; every one has a production default. */
export interface AwsCredentialsOptions {
  fetch?: FetchFn;
  /** Defaults to `Date.now`. */
  now?: () => number;
  /** Deadline of one endpoint request. Default 1000 ms. */
  timeoutMs?: number;
  /** Refresh this long before `Expiration`. Default 5 minutes. */
  refreshBeforeMs?: number;
}

/**
 * The credentials the ingest signs its functions calls with, resolved like the AWS SDK's chain
 * does for a container: static keys (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, with
 * `AWS_SESSION_TOKEN`) first, else the ECS task role from the container credentials endpoint
 * (`http://169.254.170.2` + `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, or
 * `AWS_CONTAINER_CREDENTIALS_FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN`). Endpoint
 * credentials are cached until `refreshBeforeMs` before their `Expiration`; concurrent callers
 * share one request; if a refresh fails while the cached credentials have not yet expired they are
 * still used. Throws {@link AwsCredentialsError} `aws_credentials_missing` / `…_bad_uri` at once
 * when nothing usable is configured.
 */
export function createAwsCredentials(source: AwsCredentialSource, options: AwsCredentialsOptions = {}): AwsCredentialsProvider {
  if (source.accessKeyId && source.secretAccessKey) {
    const creds: AwsCredentials = {
      accessKeyId: source.accessKeyId,
      secretAccessKey: source.secretAccessKey,
      ...(source.sessionToken ? { sessionToken: source.sessionToken } : {}),
    };
    return { get: async () => creds };
  }
  const endpoint = containerEndpoint(source);
  const fetchFn = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 1000;
  const refreshBeforeMs = options.refreshBeforeMs ?? 5 * 60_000;
  let cached: AwsCredentials | undefined;
  let inflight: Promise<AwsCredentials> | undefined;

  const refresh = (): Promise<AwsCredentials> => {
    inflight ??= fetchContainerCredentials(fetchFn, endpoint, source.containerAuthorizationToken, timeoutMs)
      .then((c) => (cached = c))
      .finally(() => (inflight = undefined));
    return inflight;
  };

  return {
    async get(signal) {
      const t = now();
      if (cached?.expiration && cached.expiration.getTime() - refreshBeforeMs > t) return cached;
      try {
        return await raceAbort(refresh(), signal);
      } catch (err) {
        // Still valid (inside the refresh margin): keep signing with them rather than deny.
        if (cached?.expiration && cached.expiration.getTime() > now()) return cached;
        throw err;
      }
    },
  };
}

function containerEndpoint(source: AwsCredentialSource): URL {
  if (source.containerRelativeUri) {
    const rel = source.containerRelativeUri.startsWith('/') ? source.containerRelativeUri : `/${source.containerRelativeUri}`;
    return new URL(ECS_CREDENTIALS_HOST + rel);
  }
  if (source.containerFullUri) {
    let url: URL;
    try {
      url = new URL(source.containerFullUri);
    } catch (err) {
      throw new AwsCredentialsError('aws_credentials_bad_uri', 'AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL', { cause: err });
    }
    // As the AWS SDKs do: plain HTTP only to the link-local container endpoints or loopback.
    const plainOk = ['169.254.170.2', '169.254.170.23', '[fd00:ec2::23]', 'localhost', '[::1]'].includes(url.hostname) || /^127\./.test(url.hostname);
    if (url.protocol === 'https:' || (url.protocol === 'http:' && plainOk)) return url;
    throw new AwsCredentialsError('aws_credentials_bad_uri', `AWS_CONTAINER_CREDENTIALS_FULL_URI host ${url.hostname} is not allowed over ${url.protocol}`);
  }
  throw new AwsCredentialsError('aws_credentials_missing', 'no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or run with an ECS task role');
}

async function fetchContainerCredentials(fetchFn: FetchFn, url: URL, token: string | undefined, timeoutMs: number): Promise<AwsCredentials> {
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetchFn(url, { headers: token ? { authorization: token } : {}, signal, redirect: 'error' });
  } catch (err) {
    throw transportError(err, signal, timeoutMs);
  }
  try {
    if (res.status !== 200) throw new AwsCredentialsError('aws_credentials_unreachable', `credentials endpoint answered HTTP ${res.status}`);
    const text = await readLimitedText(
      res,
      CREDENTIALS_RESPONSE_MAX_BYTES,
      (size, limit) => new AwsCredentialsError('aws_credentials_bad_body', `credentials answer too large: ${size} > limit ${limit} bytes`),
    );
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new AwsCredentialsError('aws_credentials_bad_body', 'credentials answer is not JSON', { cause: err });
    }
    return parseCredentials(body);
  } catch (err) {
    if (err instanceof AwsCredentialsError) throw err;
    throw transportError(err, signal, timeoutMs);
  } finally {
    res.body?.cancel().catch(() => {});
  }
}

function parseCredentials(body: unknown): AwsCredentials {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = b;
  if (typeof AccessKeyId !== 'string' || AccessKeyId === '' || typeof SecretAccessKey !== 'string' || SecretAccessKey === '') {
    throw new AwsCredentialsError('aws_credentials_bad_body', 'credentials answer lacks AccessKeyId/SecretAccessKey');
  }
  if (Token !== undefined && typeof Token !== 'string') throw new AwsCredentialsError('aws_credentials_bad_body', 'credentials Token is not a string');
  let expiration: Date | undefined;
  if (Expiration !== undefined) {
    expiration = new Date(typeof Expiration === 'string' ? Expiration : NaN);
    if (Number.isNaN(expiration.getTime())) throw new AwsCredentialsError('aws_credentials_bad_body', 'credentials Expiration is not a date');
  }
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    ...(Token ? { sessionToken: Token } : {}),
    ...(expiration ? { expiration } : {}),
  };
}

function transportError(err: unknown, signal: AbortSignal, timeoutMs: number): AwsCredentialsError {
  if (signal.aborted) return new AwsCredentialsError('aws_credentials_timeout', `credentials endpoint did not answer within ${timeoutMs} ms`, { cause: err });
  return new AwsCredentialsError('aws_credentials_unreachable', 'credentials endpoint unreachable', { cause: err });
}

/** Settles with `p`, or rejects as soon as `signal` aborts (the shared refresh keeps running). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new AwsCredentialsError('aws_credentials_timeout', 'gave up waiting for credentials', { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AwsCredentialsError('aws_credentials_timeout', 'gave up waiting for credentials', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
