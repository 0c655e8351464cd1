import { AsyncLocalStorage } from 'node:async_hooks';

/** The invocation a log line belongs to. */
type Invocation = {
  readonly requestId: string;
  /** True for the first invocation of the handler in this process (Lambda execution environment). */
  readonly coldStart: boolean;
};

const scope = new AsyncLocalStorage<Invocation>();

/** The Lambda invocation running now (`requestId`, `coldStart`), or undefined (locally). */
export function currentInvocation(): Invocation | undefined {
  return scope.getStore();
}

/**
 * Wraps a Lambda handler so everything it logs carries the invocation's `awsRequestId` (the id
 * in the runtime's START/END/REPORT lines and in API Gateway's access log as
 * `integrationRequestId`): one CloudWatch Logs Insights filter finds every line of a request.
 * Lines of the first invocation of the wrapped handler also say `coldStart: true` (the module
 * was loaded for it: init time is in that request's latency), later ones `false`.
 */
// biome-ignore lint/suspicious/noExplicitAny: the wrapper keeps the handler's own (generic) signature.
export function withRequestId<H extends (event: any, context?: any) => Promise<unknown>>(handler: H): H {
  let cold = true;
  const wrapped = (event: unknown, context?: { awsRequestId?: unknown }) => {
    const requestId = context?.awsRequestId;
    const coldStart = cold;
    cold = false;
    return typeof requestId === 'string' ? scope.run({ requestId, coldStart }, () => handler(event, context)) : handler(event, context);
  };
  return wrapped as H;
}
