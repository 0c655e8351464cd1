import { request } from 'node:http';

/** What one request to another task's cluster listener asks. */
export interface ClusterRequest {
  /** `host:port` of the task's cluster listener. */
  readonly address: string;
  /** Path and query, already encoded. */
  readonly path: string;
  /** The cluster bearer token. */
  readonly token: string;
  readonly method?: 'GET' | 'POST';
  /** A JSON body (POST). */
  readonly json?: unknown;
  /** Bound on connecting and on a silent answer. */
  readonly timeoutMs: number;
  /** Bytes of the answer kept before the request is abandoned. */
  readonly maxBytes: number;
}

/** A task's answer: status and body (any status; the caller decides what it means). */
export interface ClusterAnswer {
  readonly status: number;
  readonly body: Buffer;
}

/**
 * One request to another task's private cluster listener (bearer token, no connection reuse).
 * Never throws: an unreachable task, a timeout or an answer over `maxBytes` resolve to undefined.
 */
export function clusterRequest(req: ClusterRequest): Promise<ClusterAnswer | undefined> {
  return new Promise((resolve) => {
    const body = req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json));
    const r = request(`http://${req.address}${req.path}`, {
      method: req.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${req.token}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': body.byteLength } : {}),
      },
      agent: false,
      timeout: req.timeoutMs,
    });
    r.on('timeout', () => r.destroy());
    r.on('error', () => resolve(undefined));
    r.on('response', (res) => {
      const parts: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.byteLength;
        if (bytes > req.maxBytes) {
          r.destroy();
          resolve(undefined);
          return;
        }
        parts.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts, bytes) }));
      res.on('error', () => resolve(undefined));
    });
    r.end(body);
  });
}
