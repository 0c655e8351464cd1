import { encodeHttpResponseHead } from '../http/encode-http-response-head.js';
import { hlsResponseHeaders } from './hls-response-headers.js';

/**
 * A playlist or segment answer made once and written as is to every client that asks: the head
 * (status line, HLS headers with ETag and Content-Length, no Connection field) and the body as
 * ready Buffers, and the 304 head for a client that already has it (If-None-Match).
 */
export interface HlsReadyAnswer {
  readonly etag: string;
  readonly head: Buffer;
  readonly body: Buffer;
  readonly notModified: Buffer;
  /** The same answer as fields, for the rare answer that must differ (Connection: close). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Builds the ready answer of one playlist version or one segment; `etag` is a quoted entity tag. */
export function hlsReadyAnswer(kind: 'playlist' | 'segment', body: Uint8Array, etag: string, targetDuration = 2): HlsReadyAnswer {
  const headers: Record<string, string> = { ...hlsResponseHeaders(kind, targetDuration), ETag: etag };
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return {
    etag,
    head: toBuffer(encodeHttpResponseHead(200, { ...headers, 'Content-Length': bytes.length })),
    body: bytes,
    // RFC 9110 §15.4.5: a 304 carries the ETag and Cache-Control the 200 would have, no body.
    notModified: toBuffer(encodeHttpResponseHead(304, { ETag: etag, 'Cache-Control': headers['Cache-Control']!, ...accessControl(headers) })),
    headers,
  };
}

/** True when an If-None-Match value lists `etag` (or is `*`), RFC 9110 §13.1.2 (weak comparison). */
export function ifNoneMatchHits(value: string | undefined, etag: string): boolean {
  if (value === undefined) return false;
  for (const raw of value.split(',')) {
    const tag = raw.trim();
    if (tag === '*' || tag === etag || tag === `W/${etag}`) return true;
  }
  return false;
}

function accessControl(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('Access-Control-')));
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
