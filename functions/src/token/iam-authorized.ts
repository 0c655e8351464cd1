/**
 * True when API Gateway's IAM authorizer authorized this request: an HTTP API v2 event whose
 * `requestContext.authorizer.iam` names the signing principal. `env` is Hono's `c.env`, which
 * the Lambda adapter (`hono/aws-lambda`) fills with `{ event, requestContext, lambdaContext }`.
 * API Gateway builds that context itself, so a client cannot forge it; on a route without the
 * IAM authorizer (or under `@hono/node-server` locally) it is absent and this is false.
 */
export function iamAuthorized(env: unknown): boolean {
  const ctx = (env as { requestContext?: { authorizer?: { iam?: unknown } } } | undefined)?.requestContext;
  const iam = ctx?.authorizer?.iam as { userArn?: unknown; accessKey?: unknown } | null | undefined;
  return typeof iam === 'object' && iam !== null && (typeof iam.userArn === 'string' || typeof iam.accessKey === 'string');
}
