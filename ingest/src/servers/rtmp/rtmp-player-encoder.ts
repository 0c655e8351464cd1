import { encodedOnce } from '../../media/encoded-once.js';
import type { MediaFrame } from '../../media/media-frame.js';
import { encodeFrameChunks } from '../../protocols/rtmp/encode-frame-chunks.js';

/**
 * Turns the hub's batches into the bytes an RTMP player reads: every frame chunk-encoded once per
 * (chunk size, stream id) and the batch joined into one buffer, so a player costs one socket write
 * per tick. Players with the same parameters share one encoder (`rtmpPlayerEncoder`), and the hub
 * hands all players that keep up the same batch array, so a tick is encoded once for all of them:
 * the last batch is remembered by identity, one comparison per player (no per-player
 * copies, no hashing of keys in the fan-out loop).
 */
export class RtmpPlayerEncoder {
  private readonly frameKey: string;
  private lastBatch: readonly MediaFrame[] | undefined;
  private lastBytes: Buffer = Buffer.alloc(0);
  /** An audio codec this encoder's players cannot read and were not sent ('opus'), once one was seen. */
  omittedAudio: 'opus' | undefined;

  constructor(
    readonly chunkSize: number,
    readonly streamId: number,
    readonly audio: boolean,
    readonly video: boolean,
    /** The players announced Opus (playerReadsOpus); otherwise Opus audio is left out, video still goes. */
    readonly opus = true,
  ) {
    this.frameKey = `rtmp:${chunkSize}:${streamId}`;
  }

  /**
   * The chunked bytes of a batch shared by all players in step (only the kinds this player asked
   * for; possibly empty), joined once: every such player then writes the same buffer.
   */
  bytes(frames: readonly MediaFrame[]): Buffer {
    if (frames === this.lastBatch) return this.lastBytes;
    const parts = this.parts(frames);
    this.lastBatch = frames;
    // A Buffer, not a plain Uint8Array: the socket would wrap one per write.
    this.lastBytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    return this.lastBytes;
  }

  /**
   * The chunked frames of a player's own batch (catching up from the GOP cache), each shared with
   * every other player: written corked as one vectored write, never copied per player.
   */
  parts(frames: readonly MediaFrame[]): Buffer[] {
    const parts: Buffer[] = [];
    for (const f of frames) {
      if ((f.kind === 'audio' && !this.audio) || (f.kind === 'video' && !this.video)) continue;
      if (!this.opus && (f.kind === 'audio' || f.kind === 'audio-config') && f.codec === 'opus') {
        this.omittedAudio = 'opus';
        continue;
      }
      parts.push(encodedOnce(f, this.frameKey, (frame) => encodeFrameChunks(frame, this.chunkSize, this.streamId)));
    }
    return parts;
  }
}

/** Most distinct encoders kept (chunk sizes × stream ids × audio/video choices seen in practice are few). */
const MAX_SHARED_ENCODERS = 256;
const shared = new Map<string, RtmpPlayerEncoder>();

/** The encoder shared by every player with these parameters. */
export function rtmpPlayerEncoder(chunkSize: number, streamId: number, audio: boolean, video: boolean, opus = true): RtmpPlayerEncoder {
  const key = `${chunkSize}:${streamId}:${audio ? 1 : 0}${video ? 1 : 0}${opus ? 1 : 0}`;
  let encoder = shared.get(key);
  if (encoder === undefined) {
    // Past the bound (odd clients choosing many stream ids) players get encoders of their own.
    encoder = new RtmpPlayerEncoder(chunkSize, streamId, audio, video, opus);
    if (shared.size < MAX_SHARED_ENCODERS) shared.set(key, encoder);
  }
  return encoder;
}
