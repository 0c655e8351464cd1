/** A Lambda handler as `hono/aws-lambda`'s `handle()` returns it, seen from a test. */
export type LambdaHandler = (
  event: unknown,
  context: unknown,
) => Promise<{ statusCode: number; body: string; headers?: Record<string, string>; isBase64Encoded?: boolean }>;

/** The Lambda context the tests pass with every event. */
export const lambdaContext = { awsRequestId: 'req-1', functionName: 'test', getRemainingTimeInMillis: () => 10_000 };

/** Options of {@link apiGatewayEvent}. */
export interface ApiGatewayEventOptions {
  body?: string;
  /** Sent base64-encoded with `isBase64Encoded` (as HTTP APIs hand over form bodies). */
  base64?: boolean;
  /** Request headers besides `host`. */
  headers?: Record<string, string>;
  query?: string;
  sourceIp?: string;
  userAgent?: string;
  /** What an API Gateway authorizer put in `requestContext.authorizer` (absent: a route without one). */
  authorizer?: unknown;
}

/** An API Gateway HTTP API (payload 2.0) event for `method path`. */
export function apiGatewayEvent(method: string, path: string, opts: ApiGatewayEventOptions = {}) {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: opts.query ?? '',
    headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', ...(opts.headers ?? {}) },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      ...(opts.authorizer === undefined ? {} : { authorizer: opts.authorizer }),
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: opts.sourceIp ?? '198.51.100.7', userAgent: opts.userAgent ?? 'node' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '04/Mar/2026:05:06:07 +0000',
      timeEpoch: 1_772_600_767_000,
    },
    body: opts.body === undefined ? undefined : opts.base64 ? Buffer.from(opts.body).toString('base64') : opts.body,
    isBase64Encoded: opts.base64 ?? false,
  };
}

/** A form POST (`application/x-www-form-urlencoded`) to `path` from `sourceIp`, as the token routes get it. */
export function formPostEvent(path: string, body: string, sourceIp: string, opts: { headers?: Record<string, string>; authorizer?: unknown; userAgent?: string } = {}) {
  return apiGatewayEvent('POST', path, {
    body,
    sourceIp,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(opts.headers ?? {}) },
    authorizer: opts.authorizer,
    userAgent: opts.userAgent,
  });
}
