import type { Hub } from '#ingest/hub/hub.js';
import type { ReaderSink } from '#ingest/hub/reader-sink.js';
import type { Subscription } from '#ingest/hub/subscription.js';
import type { Logger } from '#domain/logger.js';
import { type HlsReadyAnswer, hlsReadyAnswer } from '#ingest/protocols/hls/hls-ready-answer.js';
import { HlsSegmenter } from '#ingest/protocols/hls/hls-segmenter.js';
import { tsSegmentWriter } from '#ingest/protocols/hls/ts-segment-writer.js';

/** Timings of the HLS outputs. */
export interface HlsOutputOptions {
  /** Segment target duration, seconds. */
  readonly targetDuration: number;
  /** An output nobody asked anything for this long is stopped (unsubscribed from the hub). */
  readonly idleMs: number;
  /**
   * How long a playlist request waits for a new output's first `firstPlaylistSegments` segments;
   * past it, a playlist with fewer (at least one) is served.
   */
  readonly firstSegmentWaitMs: number;
  /**
   * Segments a playlist holds before it is first served. Chromium's native HLS rejects a live
   * playlist of one segment (DEMUXER_ERROR_COULD_NOT_PARSE) and never retries, and Apple asks for
   * three target durations of media before a client starts (HLS authoring spec, and RFC 8216
   * §6.3.3: a client starts no later than three target durations from the end).
   */
  readonly firstPlaylistSegments: number;
}

interface Output {
  readonly path: string;
  readonly segmenter: HlsSegmenter;
  sub: Subscription | undefined;
  lastRequest: number;
  waiters: (() => void)[];
  /** The publisher left: no more segments until a republish. */
  ended: boolean;
  /** The log said this output's Opus audio is left out. */
  omittedOpus?: boolean;
  /** Entity tags of this output start with it (a new output never repeats an old one's). */
  readonly id: number;
  /** Playlist versions made so far (its ETag). */
  version: number;
  /** The current playlist as a ready answer, until a segment, an end or a restart changes it. */
  playlistAnswer: HlsReadyAnswer | undefined;
  /** Ready answers of kept segments, by name (dropped with the segment). */
  readonly segmentAnswers: Map<string, HlsReadyAnswer>;
}

/** Default timings: 2 s segments, 30 s idle, playlist waits up to 10 s for its first 3 segments. */
export const HLS_OUTPUT_DEFAULTS: HlsOutputOptions = { targetDuration: 2, idleMs: 30_000, firstSegmentWaitMs: 10_000, firstPlaylistSegments: 3 };

/**
 * HLS for the HTTP listener: one HlsSegmenter per stream, created by the first playlist request
 * and fed by an ordinary hub subscription (which starts with the GOP cache, so the first segment is
 * ready about one target duration later). Segments are produced only while someone reads:
 * after `idleMs` without a playlist or segment request the output unsubscribes. A republish
 * restarts the segmenter's timeline (EXT-X-DISCONTINUITY); an unpublish ends the playlist.
 */
export class HlsOutputs {
  private readonly outputs = new Map<string, Output>();
  private readonly sweeper: NodeJS.Timeout;
  private next = 1;

  constructor(
    private readonly hub: Hub,
    private readonly log: Logger,
    private readonly options: HlsOutputOptions = HLS_OUTPUT_DEFAULTS,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(5000, options.idleMs)).unref();
  }

  /** Streams with an HLS output now. */
  get size(): number {
    return this.outputs.size;
  }

  /**
   * The playlist of `path`, starting the output when the stream is live and holding the answer
   * until it lists `firstPlaylistSegments` segments (or the stream ended, or `firstSegmentWaitMs`
   * passed); undefined (404) when the stream is neither live nor recently served, or no segment
   * was ready in time.
   */
  async playlist(path: string): Promise<string | undefined> {
    let out = this.outputs.get(path);
    if (out === undefined) {
      if (!this.hub.isLive(path)) return undefined;
      out = this.start(path);
    }
    out.lastRequest = Date.now();
    if (!this.enough(out)) {
      const o = out;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.firstSegmentWaitMs);
        o.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    out.lastRequest = Date.now();
    return out.segmenter.ready ? out.segmenter.playlist() : undefined;
  }

  /** Whether a playlist of `out` may be served now: enough segments, or no more coming. */
  private enough(out: Output): boolean {
    return out.segmenter.segments.length >= this.options.firstPlaylistSegments || (out.segmenter.ready && out.ended);
  }

  /** The bytes of segment `name` of `path`, or undefined (404). */
  segment(path: string, name: string): Uint8Array | undefined {
    const out = this.outputs.get(path);
    if (out === undefined) return undefined;
    out.lastRequest = Date.now();
    return out.segmenter.segment(name)?.bytes;
  }

  /**
   * The playlist as a ready answer (head with ETag and Cache-Control, and body, made once per
   * playlist version) when it can be served at once; undefined when the request must start the
   * output or wait for its first segments (then `playlist()`).
   */
  readyPlaylist(path: string): HlsReadyAnswer | undefined {
    const out = this.outputs.get(path);
    if (out === undefined || !out.segmenter.ready || !this.enough(out)) return undefined;
    out.lastRequest = Date.now();
    out.playlistAnswer ??= hlsReadyAnswer('playlist', Buffer.from(out.segmenter.playlist(), 'latin1'), `"${out.id}.${out.version++}"`, this.options.targetDuration);
    return out.playlistAnswer;
  }

  /** Segment `name` of `path` as a ready answer (made once per segment), or undefined (404). */
  readySegment(path: string, name: string): HlsReadyAnswer | undefined {
    const out = this.outputs.get(path);
    if (out === undefined) return undefined;
    out.lastRequest = Date.now();
    let answer = out.segmentAnswers.get(name);
    if (answer === undefined) {
      const segment = out.segmenter.segment(name);
      if (segment === undefined) return undefined;
      answer = hlsReadyAnswer('segment', segment.bytes, `"${out.id}.${name}"`);
      out.segmentAnswers.set(name, answer);
    }
    return answer;
  }

  /** Target duration for the playlist's Cache-Control. */
  get targetDuration(): number {
    return this.options.targetDuration;
  }

  private start(path: string): Output {
    const segmenter = new HlsSegmenter({ createWriter: tsSegmentWriter, targetDuration: this.options.targetDuration });
    const out: Output = { path, segmenter, sub: undefined, lastRequest: Date.now(), waiters: [], ended: false, id: this.next, version: 0, playlistAnswer: undefined, segmentAnswers: new Map() };
    // Ready answers follow the segmenter: a new playlist version with each change, none for an evicted segment.
    const changed = (): void => {
      out.playlistAnswer = undefined;
      if (out.segmentAnswers.size > 0) {
        for (const name of out.segmentAnswers.keys()) if (segmenter.segment(name) === undefined) out.segmentAnswers.delete(name);
      }
    };
    this.outputs.set(path, out);
    const wake = (): void => {
      if (!this.enough(out)) return;
      for (const w of out.waiters.splice(0)) w();
    };
    const sink: ReaderSink = {
      id: `hls${this.next++}`,
      protocol: 'hls',
      // Segments are the TS muxer's bytes, a copy: the publisher's slabs are reused while HLS is served.
      keepsNoFrameViews: true,
      onPublish: (republish) => {
        out.ended = false;
        if (republish) segmenter.restart();
        changed();
      },
      write: (frames) => {
        for (const f of frames) {
          if (f.kind === 'audio-config' && f.codec === 'opus' && !out.omittedOpus) {
            out.omittedOpus = true;
            // The TS writer leaves Opus out: no HLS player a browser runs (Safari, hls.js) decodes Opus in MPEG-TS.
            this.log.info('hls.audio-omitted', {
              path,
              codec: 'opus',
              reason: 'HLS segments are MPEG-TS, and Safari and hls.js do not decode Opus in MPEG-TS: HLS carries the video only; RTSP carries the Opus (docs/codecs.md)',
            });
          }
          if (segmenter.push(f).length > 0) changed();
        }
        wake();
        return true;
      },
      onUnpublish: () => {
        segmenter.end();
        out.ended = true;
        changed();
        wake();
      },
      onEnd: (reason) => {
        out.sub = undefined;
        this.stop(out, reason);
      },
    };
    out.sub = this.hub.subscribe(path, sink);
    this.log.info('hls.start', { path });
    return out;
  }

  private stop(out: Output, reason: string): void {
    if (this.outputs.get(out.path) !== out) return;
    this.outputs.delete(out.path);
    out.sub?.close();
    out.sub = undefined;
    for (const w of out.waiters.splice(0)) w();
    this.log.info('hls.stop', { path: out.path, reason, segments: out.segmenter.segments.length });
  }

  private sweep(): void {
    const now = Date.now();
    for (const out of [...this.outputs.values()]) {
      // A request waiting for the first segment is a reader too.
      if (out.waiters.length === 0 && now - out.lastRequest >= this.options.idleMs) this.stop(out, 'idle');
    }
  }

  /** Stops every output and the sweeper. */
  close(): void {
    clearInterval(this.sweeper);
    for (const out of [...this.outputs.values()]) this.stop(out, 'shutdown');
  }
}
