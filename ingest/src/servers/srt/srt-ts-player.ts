import type { MediaFrame } from '#ingest/media/media-frame.js';
import { TsMuxer } from '#ingest/protocols/mpegts/ts-muxer.js';

/** SRT's usual payload: seven TS packets (1316 bytes) per message, as ffmpeg and libsrt send it. */
export const SRT_TS_PAYLOAD = 7 * 188;

/**
 * Hub frames → MPEG-TS in SRT-sized messages for one SRT player. The muxer is made at the first
 * media frame, from the decoder configs that come before it (the hub sends configs first), so the
 * program lists exactly the tracks the stream has that TS can carry (H.264/H.265, AAC).
 */
export class SrtTsPlayer {
  private muxer: TsMuxer | undefined;
  private video: 'h264' | 'h265' | undefined;
  private audio: 'aac' | undefined;
  private readonly configs: MediaFrame[] = [];

  /** The TS messages for `frames` (each at most {@link SRT_TS_PAYLOAD} bytes). */
  push(frames: readonly MediaFrame[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const f of frames) {
      if (f.kind === 'video-config' || f.kind === 'audio-config') {
        if (f.kind === 'video-config' && (f.codec === 'h264' || f.codec === 'h265')) this.video = f.codec;
        if (f.kind === 'audio-config' && f.codec === 'aac') this.audio = 'aac';
        if (this.muxer === undefined) {
          this.configs.push(f);
          continue;
        }
      }
      if (this.muxer === undefined) {
        if (f.kind !== 'video' && f.kind !== 'audio') continue;
        this.muxer = new TsMuxer({ ...(this.video ? { video: this.video } : {}), ...(this.audio ? { audio: this.audio } : {}), serviceName: 'streamgate' });
        for (const c of this.configs) this.muxer.push(c);
      }
      const bytes = this.muxer.push(f);
      for (let o = 0; o < bytes.length; o += SRT_TS_PAYLOAD) out.push(bytes.subarray(o, Math.min(bytes.length, o + SRT_TS_PAYLOAD)));
    }
    return out;
  }
}
