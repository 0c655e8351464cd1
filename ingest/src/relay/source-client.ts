import type { MediaFrame } from '../media/media-frame.js';

/** What a source client reports to its owner (a pull source, a cluster edge pull). */
export interface SourceClientEvents {
  /** The source answered and media follows. */
  onStart(): void;
  onFrame(frame: MediaFrame): void;
  /** The connection is gone (error says why; undefined after a local close). Called once. */
  onClose(error: (Error & { code?: string }) | undefined): void;
}

/** One outgoing connection that reads a stream (RTMP play, HTTP-FLV GET, RTSP PLAY). */
export interface SourceClient {
  start(): void;
  close(): void;
  /** Bytes received so far. */
  readonly bytesIn: number;
}

/** Settings every source client takes. */
export interface SourceClientOptions {
  readonly allowPrivate: boolean;
  /** Bound on connecting and getting media started. */
  readonly timeoutMs: number;
  /** Extra request headers (HTTP-FLV): a cluster edge pull sends the cluster's bearer token. */
  readonly headers?: Readonly<Record<string, string>>;
}
