import type { Socket } from 'node:net';
import type { Hub } from '../../hub/hub.js';
import type { ReaderEndReason } from '../../hub/reader-sink.js';
import type { Subscription } from '../../hub/subscription.js';
import type { Logger } from '../../logger.js';
import type { IngestMetrics } from '../../metrics/ingest-metrics.js';
import { FlvMuxer } from '../../protocols/flv/flv-muxer.js';
import { CORS_HEADERS } from '../../protocols/http/cors-headers.js';
import { HTTP_LAST_CHUNK, encodeHttpChunk } from '../../protocols/http/encode-http-chunk.js';
import { encodeHttpResponseHead } from '../../protocols/http/encode-http-response-head.js';
import type { ConnectionEntry } from '../connection-registry.js';

/** What one HTTP-FLV response needs. */
export interface HttpFlvReaderDeps {
  readonly hub: Hub;
  readonly log: Logger;
  readonly metrics?: IngestMetrics;
}

/** The request as the reader needs it. */
export interface HttpFlvRequest {
  readonly path: string;
  /** HTTP/1.1 gets a chunked body; HTTP/1.0 a body delimited by the connection's close. */
  readonly version: '1.0' | '1.1';
  readonly head: boolean;
}

/**
 * Serves `GET /APP/STREAM.flv` on `socket` until the publisher leaves or the client goes: the
 * response head, then one FlvMuxer's output (starting from the hub's metadata, configs and GOP
 * cache) as chunks. The socket's write result is the hub's backpressure signal: when it reports a
 * full buffer the hub holds frames back (bounded, dropping to the next keyframe) until 'drain'
 * calls Subscription.resume(). The socket is the reader's alone from here on.
 */
export function serveHttpFlv(
  socket: Socket,
  request: HttpFlvRequest,
  entry: ConnectionEntry,
  deps: HttpFlvReaderDeps,
  write: (bytes: Uint8Array) => boolean,
): void {
  const chunked = request.version === '1.1';
  write(
    encodeHttpResponseHead(200, {
      ...CORS_HEADERS,
      'Content-Type': 'video/x-flv',
      'Cache-Control': 'no-cache, no-store',
      Connection: 'close',
      ...(chunked ? { 'Transfer-Encoding': 'chunked' } : {}),
    }),
  );
  if (request.head) {
    socket.end();
    return;
  }
  const [app, ...rest] = request.path.split('/');
  entry.role = 'player';
  entry.app = app;
  entry.stream = rest.join('/');
  // Written at once, the FLV header must not wait for Nagle behind the first tag.
  socket.setNoDelay(true);
  const muxer = new FlvMuxer();
  const log = deps.log.child({ conn: entry.id, protocol: 'http-flv', path: request.path });
  let sub: Subscription | undefined;
  let ended = false;
  const finish = (reason: string): void => {
    if (ended) return;
    ended = true;
    sub?.close();
    log.info('http-flv.end', { reason, bytesOut: entry.bytesOut() });
    if (reason === 'slow-reader') socket.destroy();
    else {
      if (chunked && !socket.destroyed) write(HTTP_LAST_CHUNK);
      socket.end();
    }
  };
  sub = deps.hub.subscribe(request.path, {
    id: entry.id,
    protocol: 'http-flv',
    onPublish: () => undefined,
    write: (frames) => {
      if (ended || socket.destroyed) return true;
      const parts: Uint8Array[] = [];
      let length = 0;
      for (const f of frames) {
        const bytes = muxer.push(f);
        if (bytes.length === 0) continue;
        parts.push(bytes);
        length += bytes.length;
      }
      if (length === 0) return true;
      const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
      return write(chunked ? encodeHttpChunk(body) : body);
    },
    // One FLV file per publish: the response ends with the publisher, the player reconnects.
    onUnpublish: () => finish('unpublished'),
    onEnd: (reason: ReaderEndReason) => {
      sub = undefined;
      if (reason === 'slow-reader') deps.metrics?.slowReadersDisconnected.inc({ protocol: 'http-flv' });
      finish(reason);
    },
  });
  socket.on('drain', () => sub?.resume());
  socket.on('close', () => finish('peer-closed'));
  log.info('http-flv.play', { live: deps.hub.isLive(request.path) });
}
