import type { Publication } from '#ingest/hub/hub.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { TsDemuxer, type TsDemuxEvent } from '#ingest/protocols/mpegts/ts-demuxer.js';
import { RawInterleaver } from '../raw/raw-interleaver.js';
import { RawTimestampRebaser } from '../raw/raw-timestamp-rebaser.js';

/** Frames held until the timeline start is known: this many at most, or this media span. */
const MAX_HELD_FRAMES = 64;
const MAX_HELD_MS = 500;

/**
 * The MPEG-TS an SRT publisher sends, into the hub: the shared TS demuxer, audio and video put
 * back in decode order (muxers interleave loosely), and the timeline moved to start at 0 at the
 * earliest first frame (held until both audio and video came, bounded), as the TS-over-TCP ingest
 * does. A TS packet split across SRT messages is fine: the demuxer keeps leftover bytes.
 */
export class SrtTsPublication {
  // An SRT message is a datagram of its own (or a decrypted copy): nothing rewrites it.
  private readonly demuxer = new TsDemuxer({ ownsInput: true });
  private readonly interleaver = new RawInterleaver();
  private readonly rebaser = new RawTimestampRebaser();
  private held: MediaFrame[] = [];
  private flowing = false;
  frames = 0;

  constructor(private readonly publication: Publication) {}

  /** One SRT message (MPEG-TS bytes). Raises ProtocolError for TS the demuxer refuses. */
  push(payload: Uint8Array): void {
    this.take(this.demuxer.push(payload));
  }

  private take(events: readonly TsDemuxEvent[]): void {
    for (const e of events) {
      if (e.type !== 'frame') continue;
      for (const f of this.interleaver.push(e.frame)) this.accept(f);
    }
  }

  /** Tolerated damage (continuity errors after a too-late drop, …). */
  damage(): Record<string, number> {
    const s = this.demuxer.stats;
    return { continuityErrors: s.continuityErrors, crcErrors: s.crcErrors, syncLosses: s.syncLosses, droppedFrames: s.droppedFrames };
  }

  /** The publisher left: what is held goes out, then the publication ends. */
  end(): void {
    // The last video PES has no length: only the end of input completes it.
    try {
      this.take(this.demuxer.end());
    } catch {
      // a broken tail is dropped; the publication still ends
    }
    for (const f of this.interleaver.flush()) this.accept(f);
    this.flow();
    this.publication.end();
  }

  private accept(frame: MediaFrame): void {
    if (this.flowing) {
      this.out(frame);
      return;
    }
    this.held.push(frame);
    if (this.held.length >= MAX_HELD_FRAMES || this.timelineKnown()) this.flow();
  }

  private timelineKnown(): boolean {
    let audio = false;
    let video = false;
    let first = Infinity;
    let last = -Infinity;
    for (const f of this.held) {
      if (f.kind !== 'audio' && f.kind !== 'video') continue;
      if (f.kind === 'audio') audio = true;
      else video = true;
      first = Math.min(first, f.dts);
      last = Math.max(last, f.dts);
    }
    return (audio && video) || last - first >= MAX_HELD_MS;
  }

  private flow(): void {
    if (this.flowing) return;
    this.flowing = true;
    this.rebaser.anchor(this.held);
    const held = this.held;
    this.held = [];
    for (const f of held) this.out(f);
  }

  private out(frame: MediaFrame): void {
    this.frames++;
    this.publication.push(this.rebaser.rebase(frame));
  }
}
