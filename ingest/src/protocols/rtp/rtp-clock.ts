import { TimestampUnwrapper } from '#ingest/media/timestamp-unwrapper.js';

/**
 * RTP timestamp (32-bit, `clockRate` Hz, random start) → milliseconds on the track's timeline.
 * The first timestamp maps to `startMs`; wrap-around and small backward steps are unwrapped.
 */
export class RtpClock {
  private readonly unwrapper = new TimestampUnwrapper(32);
  private first: number | undefined;
  private firstRaw: number | undefined;

  constructor(
    readonly clockRate: number,
    private readonly startMs = 0,
  ) {}

  /** The RTP timestamp that maps to `startMs` (the first one converted), once there is one. */
  get firstTimestamp(): number | undefined {
    return this.firstRaw;
  }

  toMs(rtpTimestamp: number): number {
    const t = this.unwrapper.unwrap(rtpTimestamp >>> 0);
    if (this.first === undefined) {
      this.first = t;
      this.firstRaw = rtpTimestamp >>> 0;
    }
    return this.startMs + ((t - this.first) * 1000) / this.clockRate;
  }
}
