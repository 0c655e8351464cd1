import { createServer, type Server } from 'node:http';
import type { MetricsRegistry } from '#ingest/metrics/metrics-registry.js';

/** Bounds of the health listener: it serves a load balancer and a scraper, never viewers. */
export const HEALTH_SERVER_LIMITS = {
  /** A handful of NLB nodes and a metrics scraper; more than this is not a health checker. */
  maxConnections: 64,
  /** Whole request (head and body) must arrive within this, or the socket is closed. */
  requestTimeoutMs: 5000,
  keepAliveTimeoutMs: 5000,
} as const;

/** What the health listener reads. */
export interface HealthServerDeps {
  /** `draining` turns /healthz into 503 so the load balancer stops sending new connections. */
  readonly state: { readonly draining: boolean };
  readonly registry: MetricsRegistry;
}

/**
 * The ops listener (STREAMGATE_HEALTH_PORT): `GET /healthz` (200 `ok`, 503 while draining) and
 * `GET /metrics` (Prometheus text). It has its own small connection budget, so a viewers' HTTP
 * listener at STREAMGATE_MAX_CONNECTIONS does not fail the health check, and no NLB listener
 * forwards to it, so `/metrics` is reachable from inside the VPC only.
 */
export function createHealthServer(deps: HealthServerDeps): Server {
  const server = createServer(
    {
      requestTimeout: HEALTH_SERVER_LIMITS.requestTimeoutMs,
      headersTimeout: HEALTH_SERVER_LIMITS.requestTimeoutMs,
      keepAliveTimeout: HEALTH_SERVER_LIMITS.keepAliveTimeoutMs,
      // Health checks carry no body; anything larger than a request head is not one of ours.
      maxHeaderSize: 8 * 1024,
    },
    (req, res) => {
      const path = (req.url ?? '/').split('?', 1)[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('HTTP_METHOD_NOT_ALLOWED\n');
      } else if (path === '/healthz') {
        const draining = deps.state.draining;
        res
          .writeHead(draining ? 503 : 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
          .end(JSON.stringify({ status: draining ? 'draining' : 'ok' }));
      } else if (path === '/metrics') {
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(deps.registry.render());
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('HTTP_NOT_FOUND\n');
      }
    },
  );
  server.maxConnections = HEALTH_SERVER_LIMITS.maxConnections;
  return server;
}
