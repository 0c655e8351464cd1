import type { ProtocolErrorCode } from '../protocol-error.js';

/** Reason phrases of the RTSP status codes we send (RFC 2326 §7.1.1). */
const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  453: 'Not Enough Bandwidth',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  459: 'Aggregate Operation Not Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** The reason phrase of `status`. */
export function rtspReason(status: number): string {
  return REASONS[status] ?? 'Error';
}

/**
 * A refused request: the RTSP status to answer with, a stable code for logs and tests, and any
 * headers the answer carries (WWW-Authenticate challenges). With `explain`, the message is also
 * appended to the reason phrase, where clients (ffmpeg, GStreamer) show it to the user.
 */
export class RtspRequestError extends Error {
  override readonly name = 'RtspRequestError';
  readonly headers: readonly [string, string][];
  readonly explain: boolean;
  constructor(
    readonly status: number,
    readonly code: ProtocolErrorCode,
    message: string,
    options?: { cause?: unknown; headers?: readonly [string, string][]; explain?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options?.headers ?? [];
    this.explain = options?.explain ?? false;
  }
}
