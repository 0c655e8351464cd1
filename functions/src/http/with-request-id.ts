import { AsyncLocalStorage } from 'node:async_hooks';

/** The invocation a log line belongs to. */
interface RequestScope {
  readonly requestId: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** The Lambda request id of the invocation running now, if any (undefined locally). */
export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}

/**
 * Wraps a Lambda handler so everything it logs carries the invocation's `awsRequestId` (the id
 * in the runtime's START/END/REPORT lines and in API Gateway's access log as
 * `integrationRequestId`): one CloudWatch Logs Insights filter finds every line of a request.
 */
// biome-ignore lint/suspicious/noExplicitAny: the wrapper keeps the handler's own (generic) signature.
export function withRequestId<H extends (event: any, context?: any) => Promise<unknown>>(handler: H): H {
  const wrapped = (event: unknown, context?: { awsRequestId?: unknown }) => {
    const requestId = context?.awsRequestId;
    return typeof requestId === 'string' ? scope.run({ requestId }, () => handler(event, context)) : handler(event, context);
  };
  return wrapped as H;
}
