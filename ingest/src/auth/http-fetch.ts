import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { FetchFn, FunctionsAnswer } from './fetch-json.js';

/**
 * The ingest's {@link FetchFn} for its calls to the functions (token, acl, managed relays): one
 * request over `node:http`/`node:https` (the global agent, keep-alive), answered with the status,
 * the headers and the body as a web stream, which is all the callers read. Global `fetch` would do
 * the same, but its first call loads undici into the process: idle RSS of the ingest bundle (whose
 * relay poller calls the functions every 5 s) 68 → 62.5 MB, its peak 103 → 69 MB
 * (`npx tsx bench/idle-memory.ts`, docs/benchmark.md Round 4).
 *
 * Differences from `fetch` that the callers rely on: no redirect is followed (a 3xx is an answer
 * like any other non-200, which every caller refuses), and `signal` aborts the request and the
 * body alike. A string body is sent with its Content-Length.
 */
export const httpFetch: FetchFn = (input, init) =>
  new Promise<FunctionsAnswer>((resolve, reject) => {
    const url = typeof input === 'string' ? new URL(input) : input;
    const body = init?.body;
    const headers: Record<string, string> = { ...init?.headers };
    if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body));
    const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
    if (send === undefined) {
      reject(new TypeError(`unsupported URL scheme ${url.protocol}`));
      return;
    }
    const req = send(url, { method: init?.method ?? 'GET', headers, ...(init?.signal ? { signal: init.signal } : {}) }, (res) => resolve(answer(res)));
    req.once('error', reject);
    req.end(body);
  });

function answer(res: IncomingMessage): FunctionsAnswer {
  return {
    status: res.statusCode ?? 0,
    headers: {
      get(name: string): string | null {
        const value = res.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    },
    body: Readable.toWeb(res) as ReadableStream<Uint8Array>,
  };
}
