import { readCappedBody } from '#domain/read-capped-body.js';

/** Largest functions answer passed on (a users page of 100 users is far below). */
export const PROXY_MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
/** How long the functions may take to answer a console call. */
export const PROXY_TIMEOUT_MS = 15_000;

/** What the proxy hands back to the HTTP listener. */
export interface ProxyAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** One request to pass on. */
export interface ProxyRequest {
  readonly method: string;
  /** Path on the functions API (`/users/alice/grants`), already encoded. */
  readonly path: string;
  /** Raw query without `?`. */
  readonly query: string;
  readonly authorization: string;
  readonly contentType?: string;
  readonly body: Uint8Array;
}

function jsonError(status: number, error: string, message: string): ProxyAnswer {
  return { status, contentType: 'application/json', body: Buffer.from(JSON.stringify({ error, message })) };
}

/**
 * Passes one console call for the users or relays API on to the functions (`baseUrl`, the local
 * functions or the deployed HTTP API) with the operator's bearer, and their answer back as it is
 * (status and JSON), so the console shows the API's own validation messages. The caller has
 * checked the bearer already: a wrong token never reaches the functions (whose per-source throttle
 * would otherwise count the ingest's address). Unreachable → 502, slow → 504, oversized → 502.
 */
export async function proxyToFunctions(baseUrl: string, request: ProxyRequest, fetchFn: typeof fetch = fetch): Promise<ProxyAnswer> {
  const url = `${baseUrl.replace(/\/+$/, '')}${request.path}${request.query === '' ? '' : `?${request.query}`}`;
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body.byteLength > 0;
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: request.method,
      headers: {
        authorization: request.authorization,
        accept: 'application/json',
        ...(hasBody ? { 'content-type': request.contentType ?? 'application/json' } : {}),
      },
      ...(hasBody ? { body: request.body } : {}),
      signal: AbortSignal.timeout(PROXY_TIMEOUT_MS),
      redirect: 'manual',
    });
  } catch (err) {
    const timeout = (err as Error).name === 'TimeoutError';
    return timeout
      ? jsonError(504, 'functions_timeout', `the users API did not answer within ${PROXY_TIMEOUT_MS / 1000} s`)
      : jsonError(502, 'functions_unreachable', 'the users API cannot be reached from the ingest');
  }
  const read = await readCappedBody(res, PROXY_MAX_RESPONSE_BYTES).catch(() => undefined);
  if (!read?.ok) return jsonError(502, 'functions_bad_answer', 'the users API answer was cut or too large');
  return { status: res.status, contentType: res.headers.get('content-type') ?? 'application/json', body: read.bytes };
}
