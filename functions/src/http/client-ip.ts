import type { Context } from 'hono';

/**
 * The caller's source address: API Gateway's `requestContext.http.sourceIp` under
 * `hono/aws-lambda`, the socket's remote address under `@hono/node-server`, else `unknown`.
 * `x-forwarded-for` is ignored: any client can write it.
 */
export function clientIp(c: Context): string {
  const env = c.env as
    | { requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } }; incoming?: { socket?: { remoteAddress?: string } } }
    | undefined;
  return env?.requestContext?.http?.sourceIp ?? env?.requestContext?.identity?.sourceIp ?? env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
