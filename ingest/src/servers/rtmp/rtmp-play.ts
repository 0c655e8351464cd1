import type { MediaFrame } from '#ingest/media/media-frame.js';
import type { ReaderEndReason, ReaderSink } from '#ingest/hub/reader-sink.js';
import type { Subscription } from '#ingest/hub/subscription.js';
import type { DirectSocketWriter } from '../direct-socket-write.js';
import type { RtmpPlayerEncoder } from './rtmp-player-encoder.js';

/** What a play asks of its RTMP connection, off the hot path of fan-out. */
export interface RtmpPlayOwner {
  /** Frames the hot path does not take: a reader's own batch (catching up), the first batch, an omission to log. */
  writePlayFrames(play: RtmpPlay, frames: readonly MediaFrame[], shared: boolean): boolean;
  playPublished(play: RtmpPlay, republish: boolean): void;
  playUnpublished(play: RtmpPlay): void;
  playEnded(play: RtmpPlay, reason: ReaderEndReason): void;
}

/**
 * One play of an RTMP connection (a message stream id playing a path), and the reader the hub
 * writes it through: the play's state is the sink itself, its callbacks methods on the prototype
 * (no object literal with four closures per play). The shared tick's write, once per player and
 * tick, reads this object, the shared encoder and the connection's writer.
 */
export class RtmpPlay implements ReaderSink {
  sub: Subscription | undefined;
  audio = true;
  video = true;
  /** Shared with every player of the same chunk size, stream id and audio/video choice. */
  encoder: RtmpPlayerEncoder | undefined;
  /** The log already said which audio this player does not get. */
  omissionLogged = false;
  /** Media goes only through `direct`, which copies what it must queue (plain TCP and TLS). */
  readonly keepsNoFrameViews: boolean;

  constructor(
    readonly id: string,
    readonly protocol: string,
    readonly streamId: number,
    readonly name: string,
    readonly path: string,
    /** The stream was live when the play started (a player that had to wait is told when it is). */
    readonly liveAtPlay: boolean,
    private readonly direct: DirectSocketWriter,
    private readonly owner: RtmpPlayOwner,
  ) {
    this.keepsNoFrameViews = direct.keepsNoViews;
  }

  write(frames: readonly MediaFrame[], shared: boolean): boolean {
    // The hot path of fan-out: a batch shared by every player in step, already encoded by the
    // shared encoder, straight to the kernel when nothing is queued (DirectSocketWriter, which
    // counts the bytes). A closed connection's reader is unsubscribed before its socket goes, and
    // a socket destroyed under it has no descriptor, so its bytes take `socket.write`, which drops them.
    const encoder = this.encoder;
    if (shared && encoder !== undefined && (encoder.omittedAudio === undefined || this.omissionLogged)) {
      const parts = encoder.batchParts(frames);
      if (parts.length > 0) return this.direct.writeAll(parts);
    }
    return this.owner.writePlayFrames(this, frames, shared);
  }

  onPublish(republish: boolean): void {
    this.owner.playPublished(this, republish);
  }

  onUnpublish(): void {
    this.owner.playUnpublished(this);
  }

  onEnd(reason: ReaderEndReason): void {
    this.sub = undefined;
    this.owner.playEnded(this, reason);
  }
}
