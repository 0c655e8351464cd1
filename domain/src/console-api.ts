/**
 * What the console API (`/console/api/…` of the ingest's HTTP listener) answers, as JSON: the
 * ingest writes these and the console's browser code reads them. No Node imports: the browser
 * code is type-checked against the DOM only (ingest/web/tsconfig.json).
 */

import type { RelayStatus } from './relay-status.js';

export type { RelayStatus } from './relay-status.js';

/** One sample of a live stream: rates over the interval before `t`. */
export interface StreamSample {
  /** ms since epoch. */
  readonly t: number;
  /** Bits per second received from the publisher. */
  readonly inBps: number;
  /** Bits per second sent to this stream's player connections (RTMP, RTSP, HTTP-FLV, SRT; not HLS). */
  readonly outBps: number;
  readonly readers: number;
}

/** One sample of the whole server. */
export interface ServerSample {
  readonly t: number;
  readonly inBps: number;
  readonly outBps: number;
  /** Auth decisions in the interval, by result. */
  readonly authAllowed: number;
  readonly authDenied: number;
  readonly authErrors: number;
  readonly connections: number;
  readonly eventLoopP99Ms: number;
  readonly eventLoopMaxMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

/** A live stream as the console's table shows it. */
export interface ConsoleStream {
  readonly path: string;
  readonly publisher: { readonly id: string; readonly protocol: string; readonly remoteAddress: string; readonly user?: string; readonly since: number };
  readonly video?: { readonly codec: string; readonly width?: number; readonly height?: number };
  readonly audio?: { readonly codec: string; readonly sampleRate: number; readonly channels: number };
  readonly readers: number;
  readonly readersByProtocol: Readonly<Record<string, number>>;
  readonly framesIn: number;
  readonly framesDropped: number;
  /** Over the last history interval (0 until the stream's second sample). */
  readonly inBps: number;
  readonly outBps: number;
  /** In a cluster: the id of the task the publisher is connected to. */
  readonly task?: string;
}

/** One task of a cluster as the console lists it (the server page). */
export interface ConsoleTask {
  readonly id: string;
  /** `host:port` of its private cluster listener. */
  readonly address: string;
  /** The task that answered this snapshot. */
  readonly self: boolean;
  /** False when it did not answer in time: its streams and viewers are missing from this snapshot. */
  readonly reachable: boolean;
  readonly startedAt: number;
  /** Streams published on this task (not those it carries for another). */
  readonly streams?: number;
  readonly connections?: number;
  readonly inBps?: number;
  readonly outBps?: number;
  readonly rssBytes?: number;
  readonly draining?: boolean;
}

/** The server page's numbers. */
export interface ConsoleServer {
  readonly version: string;
  readonly startedAt: number;
  readonly now: number;
  readonly draining: boolean;
  /** Bound ports by listener name (`rtmp`, `http`, `rtsp`, `srt`, …). */
  readonly ports: Readonly<Record<string, number>>;
  readonly connectionsByProtocol: Readonly<Record<string, number>>;
  readonly connections: number;
  readonly playAuth: string;
  readonly publishAuth: string;
  /** Auth decisions in the last minute of samples, by result, and since start. */
  readonly authLastMinute: { readonly allowed: number; readonly denied: number; readonly errors: number };
  readonly authTotal: { readonly allowed: number; readonly denied: number; readonly errors: number };
  readonly memory: { readonly rssBytes: number; readonly heapUsedBytes: number; readonly heapTotalBytes: number; readonly externalBytes: number };
  readonly eventLoop: { readonly p99Ms: number; readonly maxMs: number };
  readonly inBps: number;
  readonly outBps: number;
  /** Present in cluster mode: this task's id. */
  readonly clusterTask?: string;
}

/** What `GET /console/api/snapshot` answers. */
export interface ConsoleSnapshot {
  readonly server: ConsoleServer;
  readonly streams: readonly ConsoleStream[];
  readonly relays: readonly RelayStatus[];
  /**
   * In a cluster: every task. `streams` then lists the streams of every task that answered, each
   * once, with viewers summed over the tasks (a task carrying another's stream pulls it once; that
   * pull is not counted as a viewer, but its bytes are in the owner's `outBps`).
   */
  readonly cluster?: { readonly tasks: readonly ConsoleTask[] };
}
