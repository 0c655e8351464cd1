import type { Socket } from 'node:net';
import type { Hub } from '#ingest/hub/hub.js';
import type { ReaderEndReason } from '#ingest/hub/reader-sink.js';
import type { Subscription } from '#ingest/hub/subscription.js';
import type { Logger } from '#domain/logger.js';
import type { IngestMetrics } from '#ingest/metrics/ingest-metrics.js';
import { FlvMuxer, SharedFlvBatches } from '#ingest/protocols/flv/flv-muxer.js';
import { CORS_HEADERS } from '#ingest/protocols/http/cors-headers.js';
import { HTTP_LAST_CHUNK, encodeHttpChunk } from '#ingest/protocols/http/encode-http-chunk.js';
import { encodeHttpResponseHead } from '#ingest/protocols/http/encode-http-response-head.js';
import type { ConnectionEntry } from '../connection-registry.js';

/**
 * The stream batches of the tick, joined once for every HTTP-FLV reader in step (the hub hands them
 * all the same array; see SharedFlvBatches), and their chunked form, framed once for them all: one
 * of each for the readers that read Opus and one for those that do not.
 */
class SharedHttpFlv {
  readonly batches: SharedFlvBatches;
  private lastBody: Buffer | undefined;
  private lastChunk: Buffer = Buffer.alloc(0);

  constructor(opus: boolean) {
    this.batches = new SharedFlvBatches(opus);
  }

  /** `body` as one chunk of a chunked response, framed once per distinct body. */
  chunk(body: Buffer): Buffer {
    if (body !== this.lastBody) {
      const chunk = encodeHttpChunk(body);
      this.lastChunk = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      this.lastBody = body;
    }
    return this.lastChunk;
  }
}

const sharedWithOpus = new SharedHttpFlv(true);
const sharedWithoutOpus = new SharedHttpFlv(false);

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
  /** The request announced Enhanced FLV Opus (httpFlvReadsOpus); otherwise Opus audio is left out. */
  readonly opus: boolean;
  /** How the hub counts this reader: `cluster` for another task's edge pull (not a viewer); default `http-flv`. */
  readonly readerProtocol?: 'http-flv' | 'cluster';
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
  const muxer = new FlvMuxer(undefined, request.opus);
  const shared = request.opus ? sharedWithOpus : sharedWithoutOpus;
  let omissionLogged = false;
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
    protocol: request.readerProtocol ?? 'http-flv',
    // Every byte it writes is a tag of its own (encodeFlvTag copies the frame's bytes into it), so
    // its socket never queues a view of a publisher's slab: those slabs are reused (see ByteSlab).
    keepsNoFrameViews: true,
    onPublish: () => undefined,
    write: (frames, inStep) => {
      if (ended || socket.destroyed) return true;
      // In step, every reader gets the same Buffer (one join and one chunk framing per tick for
      // all of them, as RTMP does); catching up, the tags are shared and only the join is its own.
      const body = muxer.batch(frames, inStep ? shared.batches : undefined);
      if (muxer.omittedAudio !== undefined && !omissionLogged) {
        omissionLogged = true;
        log.info('http-flv.play-audio-omitted', {
          path: request.path,
          codec: muxer.omittedAudio,
          reason: 'the request did not announce Opus (no fourCcList=Opus in its query): it gets the video only',
        });
      }
      if (body.byteLength === 0) return !socket.writableNeedDrain;
      return write(!chunked ? body : inStep ? shared.chunk(body) : encodeHttpChunk(body));
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
