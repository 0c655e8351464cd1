import type { ErrorHandler, NotFoundHandler } from 'hono';
import { errorResponse } from './error-response.js';
import type { LogFn } from './log-fn.js';

/**
 * The one `onError` of the functions' JSON APIs: the status, body and headers of
 * {@link errorResponse}; a 500 is logged (error name and code only, never the message) under `route`.
 */
export function jsonErrorHandler(route: string | undefined, log: LogFn): ErrorHandler {
  return (err, c) => {
    const { status, body, headers } = errorResponse(err);
    if (status === 500) log({ ...(route === undefined ? {} : { route }), level: 'error', error: err.name, code: (err as { code?: string }).code });
    return c.json(body, status, headers);
  };
}

/** The one JSON 404 of the functions' APIs. */
export const jsonNotFound: NotFoundHandler = (c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404);
