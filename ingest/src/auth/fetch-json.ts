import { AuthServiceError } from './auth-service-error.js';
import { readCappedBody } from '#domain/read-capped-body.js';

/** Largest response body the ingest reads from the functions (both answers are tiny). */
export const AUTH_RESPONSE_MAX_BYTES = 16 * 1024;

/** What the ingest sends to the functions: a method, headers, an optional text body and a deadline. */
export interface FunctionsRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
  /** Redirects are never followed (an answer other than 200 is refused either way). */
  readonly redirect?: 'error';
}

/** The part of a `fetch` `Response` the ingest reads: the status, a header and the body stream. */
export interface FunctionsAnswer {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}

/**
 * A `fetch` compatible function: {@link httpFetch} (node:http) in production, global `fetch` or a
 * spy in tests.
 */
export type FetchFn = (input: string | URL, init?: FunctionsRequest) => Promise<FunctionsAnswer>;

/**
 * Signs one request just before it is sent: receives what will go on the wire and resolves the
 * headers to add (e.g. SigV4 `authorization`, `x-amz-date`, `x-amz-security-token`). A rejection
 * means the request is not made (fail closed). `signal` is the request's deadline.
 */
export type RequestSigner = (
  req: { method: string; url: string; headers: Readonly<Record<string, string>>; body: string },
  signal: AbortSignal,
) => Promise<Record<string, string>>;

/**
 * POSTs `body` to `url` and returns the parsed JSON of a 200 answer. The body is read with a
 * byte limit (Content-Length checked first, then while streaming). With `sign`, the headers it
 * resolves are added first; a signer failure is `auth_unreachable` (or `auth_timeout` past the
 * deadline) and nothing is sent. Every failure becomes an {@link AuthServiceError}; `signal`
 * bounds the whole exchange, signing and body included.
 */
export async function fetchJson(
  fetchFn: FetchFn,
  url: string,
  init: { headers: Record<string, string>; body: string; signal: AbortSignal; sign?: RequestSigner },
): Promise<unknown> {
  let headers = init.headers;
  if (init.sign) {
    try {
      headers = { ...headers, ...(await init.sign({ method: 'POST', url, headers, body: init.body }, init.signal)) };
    } catch (err) {
      if (init.signal.aborted) throw new AuthServiceError('auth_timeout', 'functions call not signed in time', { cause: err });
      throw new AuthServiceError('auth_unreachable', 'functions call could not be signed (no AWS credentials)', { cause: err });
    }
  }
  let res: FunctionsAnswer;
  try {
    res = await fetchFn(url, { method: 'POST', headers, body: init.body, signal: init.signal, redirect: 'error' });
  } catch (err) {
    throw transportError(err, init.signal);
  }
  try {
    if (res.status !== 200) throw new AuthServiceError('auth_bad_status', `functions answered HTTP ${res.status}`);
    const text = await readLimitedText(
      res,
      AUTH_RESPONSE_MAX_BYTES,
      (size, limit) => new AuthServiceError('auth_bad_body', `functions answer too large: ${size} > limit ${limit} bytes`),
    );
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new AuthServiceError('auth_bad_body', 'functions answered a body that is not JSON', { cause: err });
    }
  } catch (err) {
    if (err instanceof AuthServiceError) throw err;
    throw transportError(err, init.signal);
  } finally {
    // Never leave a half-read body holding the socket (ignored when already consumed).
    res.body?.cancel().catch(() => {});
  }
}

/**
 * Reads a response body as UTF-8 text of at most `limit` bytes: a larger `content-length` is
 * refused before reading, and a body that grows past the limit is cancelled mid-stream. The error
 * thrown either way is `tooLarge(size, limit)`, so each caller keeps its own coded error.
 */
export async function readLimitedText(res: FunctionsAnswer, limit: number, tooLarge: (size: number, limit: number) => Error): Promise<string> {
  const body = await readCappedBody(res, limit);
  if (!body.ok) throw tooLarge(body.size, limit);
  return Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength).toString('utf8');
}

function transportError(err: unknown, signal: AbortSignal): AuthServiceError {
  if (signal.aborted) return new AuthServiceError('auth_timeout', 'functions did not answer in time', { cause: err });
  return new AuthServiceError('auth_unreachable', 'functions unreachable', { cause: err });
}
