import { randomInt } from 'node:crypto';
import { encodedOnce } from '#ingest/media/encoded-once.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { RtpTrackPacketizer } from '#ingest/protocols/rtp/rtp-packetizer.js';
import { encodeInterleavedFrames, encodeInterleavedRtp } from '#ingest/protocols/rtsp/rtsp-message.js';
import type { OutgoingTrackSpec } from './rtsp-player.js';

/** One frame of one track as RTP: made once for every player of the stream. */
export interface RtpFramePackets {
  /** Sequence number of the first packet (RTP-Info of a player that starts here). */
  readonly firstSequence: number;
  /** Serialized RTP packets (empty when the track carries nothing of this frame): views of `interleaved`. */
  readonly packets: readonly Uint8Array[];
  /** The packets as `$` frames on `channel` (the track's usual one, 2 × its index), in one buffer. */
  readonly interleaved: Buffer | undefined;
  readonly channel: number;
}

const NO_PACKETS: RtpFramePackets = { firstSequence: 0, packets: [], interleaved: undefined, channel: -1 };
/** Most distinct player shapes (set-up tracks × interleaved channels) whose tick is joined once. */
const MAX_SHARED_BATCHES = 64;
let nextId = 0;

interface SharedBatch {
  frames: readonly MediaFrame[] | undefined;
  parts: readonly Buffer[];
  joined: boolean;
}

/**
 * The RTP side of one stream's RTSP players, shared by all of them: one SSRC, sequence space and
 * timestamp offset per track (random, RFC 3550 §5.1), each frame packetized and serialized once,
 * its interleaved `$` frames built once per channel, and the tick of the players that keep up
 * joined once per player shape, so a player costs one write per tick as an RTMP player does.
 * MediaMTX (gortsplib's ServerStream) shares one RTP stream between its readers the same way.
 *
 * Every frame is packetized the first time any player needs it. Players get frames in stream order,
 * and a new player starts at the GOP cache's keyframe, so sequence numbers still rise along each
 * player's packets; a player that skipped frames (a slow reader dropped to the next keyframe)
 * sees the gap as loss.
 */
export class RtspPlayStream {
  /** Prefix of this stream's keys in the frames' shared encodings (a new instance never reuses them). */
  private readonly key = `rtsp#${nextId++}`;
  private readonly packetizers = new Map<string, RtpTrackPacketizer>();
  private readonly batches = new Map<string, SharedBatch>();
  /** Players holding this stream (the registry drops it at zero). */
  holders = 0;

  constructor(readonly path: string) {}

  /** The packetizer of a track (same spec, same packetizer for every player). */
  packetizer(spec: OutgoingTrackSpec): RtpTrackPacketizer {
    const k = trackKey(spec);
    let p = this.packetizers.get(k);
    if (p === undefined) {
      p = new RtpTrackPacketizer(spec.codec, {
        payloadType: spec.payloadType,
        clockRate: spec.clockRate,
        ssrc: randomInt(1, 0xffffffff),
        initialSequence: randomInt(0, 0x10000),
        timestampOffset: randomInt(0, 0xffffffff),
      });
      this.packetizers.set(k, p);
    }
    return p;
  }

  /** The encodedOnce key of a track's packets on this stream. */
  frameKey(spec: OutgoingTrackSpec): string {
    return `${this.key}:${trackKey(spec)}`;
  }

  /** A video config reaches the track's packetizer once (its parameter sets go before keyframes). */
  configure(frame: MediaFrame, spec: OutgoingTrackSpec, frameKey: string): void {
    encodedOnce(frame, frameKey, (f) => {
      this.packetizer(spec).packetize(f);
      return NO_PACKETS;
    });
  }

  /**
   * A media frame of the track as RTP, packetized once and serialized straight into its `$` frames
   * on the track's usual channel: the packets are views of those, so the GOP cache holds a played
   * frame's RTP once, not as packets and again as `$` frames.
   */
  packets(frame: MediaFrame, spec: OutgoingTrackSpec, frameKey: string): RtpFramePackets {
    return encodedOnce(frame, frameKey, (f) => {
      const packets = this.packetizer(spec).packetize(f);
      if (packets.length === 0) return NO_PACKETS;
      const channel = spec.index * 2;
      const framed = encodeInterleavedRtp(channel, packets);
      return { firstSequence: packets[0]!.sequenceNumber, packets: framed.packets, interleaved: framed.bytes, channel };
    });
  }

  /** The frame's packets as `$` frames on `channel`, in one buffer (another channel than the usual one: built once for it). */
  interleaved(frame: MediaFrame, spec: OutgoingTrackSpec, frameKey: string, channel: number): Buffer {
    const rtp = this.packets(frame, spec, frameKey);
    if (rtp.channel === channel && rtp.interleaved !== undefined) return rtp.interleaved;
    return encodedOnce(frame, `${frameKey}@${channel}`, () => encodeInterleavedFrames(channel, rtp.packets));
  }

  /**
   * The tick's bytes for the players of one shape that keep up (`frames` is the hub's shared batch):
   * the first player gets `build()`'s parts (one vectored write, no join); from the second player on
   * they are joined once and every further player writes that one buffer.
   */
  sharedBatch(shape: string, frames: readonly MediaFrame[], build: () => Buffer[]): readonly Buffer[] {
    let b = this.batches.get(shape);
    if (b === undefined) {
      if (this.batches.size >= MAX_SHARED_BATCHES) return build();
      b = { frames: undefined, parts: [], joined: true };
      this.batches.set(shape, b);
    }
    if (b.frames !== frames) {
      b.frames = frames;
      b.parts = build();
      b.joined = b.parts.length <= 1;
    } else if (!b.joined) {
      b.parts = [Buffer.concat(b.parts as Buffer[])];
      b.joined = true;
    }
    return b.parts;
  }
}

function trackKey(spec: OutgoingTrackSpec): string {
  return `${spec.index}:${spec.codec}:${spec.payloadType}:${spec.clockRate}`;
}
