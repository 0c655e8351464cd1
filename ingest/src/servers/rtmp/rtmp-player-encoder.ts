import { encodedOnce } from '#ingest/media/encoded-once.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { encodeFrameChunkParts } from '#ingest/protocols/rtmp/encode-frame-chunks.js';

/**
 * Turns the hub's batches into the bytes an RTMP player reads: every frame chunk-encoded once per
 * (chunk size, stream id), so a player costs one vectored socket write per tick. Players with the
 * same parameters share one encoder (`rtmpPlayerEncoder`), and the hub hands all players that keep
 * up the same batch array, so a tick is encoded once for all of them:
 * the last batch is remembered by identity, one comparison per player (no per-player
 * copies, no hashing of keys in the fan-out loop).
 */
export class RtmpPlayerEncoder {
  private readonly frameKey: string;
  private lastBatch: readonly MediaFrame[] | undefined;
  private lastParts: readonly Buffer[] = [];
  private joined = true;
  /** An audio codec this encoder's players cannot read and were not sent ('opus'), once one was seen. */
  omittedAudio: 'opus' | undefined;
  /** A frame's chunks, as headers and views of the frame's bytes (see encodeFrameChunkParts). */
  private readonly encode = (frame: MediaFrame): Buffer[] => encodeFrameChunkParts(frame, this.chunkSize, this.streamId);

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
   * The chunked frames of a batch shared by all players in step (only the kinds this player asked
   * for; possibly none), for one vectored write. The first player of a batch writes the frames'
   * own buffers; when a second player asks for the same batch they are joined once, and every
   * further player writes that one buffer (a plain write is cheaper per player than a vectored
   * one). A stream with one player never pays for the join: a copy of every frame.
   */
  batchParts(frames: readonly MediaFrame[]): readonly Buffer[] {
    if (frames !== this.lastBatch) {
      // Encoded straight, not through the frames' shared cache: this batch is encoded once for every
      // player in step anyway, and a cache entry would keep a Map and the parts alive with each
      // cached frame for a whole GOP (heap that survives young collections; see docs/benchmark.md,
      // Round 4, many streams).
      this.lastParts = this.collect(frames, undefined);
      this.lastBatch = frames;
      this.joined = this.lastParts.length <= 1;
    } else if (!this.joined) {
      this.lastParts = [Buffer.concat(this.lastParts as Buffer[])];
      this.joined = true;
    }
    return this.lastParts;
  }

  /**
   * The chunked frames of a player's own batch (catching up from the GOP cache), each shared with
   * every other player: written corked as one vectored write, never copied per player.
   */
  parts(frames: readonly MediaFrame[]): Buffer[] {
    return this.collect(frames, this.encodeShared);
  }

  private readonly encodeShared = (frame: MediaFrame): Buffer[] => encodedOnce(frame, this.frameKey, this.encode);

  /** The batch's parts, each frame's from `shared` (its cached parts), else encoded straight into the batch's array. */
  private collect(frames: readonly MediaFrame[], shared: ((frame: MediaFrame) => Buffer[]) | undefined): Buffer[] {
    const parts: Buffer[] = [];
    for (const f of frames) {
      if ((f.kind === 'audio' && !this.audio) || (f.kind === 'video' && !this.video)) continue;
      if (!this.opus && (f.kind === 'audio' || f.kind === 'audio-config') && f.codec === 'opus') {
        this.omittedAudio = 'opus';
        continue;
      }
      if (shared === undefined) encodeFrameChunkParts(f, this.chunkSize, this.streamId, 0, parts);
      else for (const part of shared(f)) parts.push(part);
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
