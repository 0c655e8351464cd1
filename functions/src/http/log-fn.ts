import { currentRequestId } from './with-request-id.js';

/** A structured logger: one JSON object per event. Never pass passwords or tokens. */
export type LogFn = (event: Record<string, unknown>) => void;

/**
 * Writes each event as one JSON line on stdout with a timestamp (CloudWatch-friendly) and, inside
 * a Lambda invocation, its `requestId` (see withRequestId).
 */
export const jsonLineLog: LogFn = (event) => {
  const requestId = currentRequestId();
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...(requestId === undefined ? {} : { requestId }), ...event })}\n`);
};
