import { TimestampUnwrapper } from '../../media/timestamp-unwrapper.js';

/**
 * RTP timestamp (32-bit, `clockRate` Hz, random start) → milliseconds on the track's timeline.
 * The first timestamp maps to `startMs`; wrap-around and small backward steps are unwrapped.
 */
export class RtpClock {
  private readonly unwrapper = new TimestampUnwrapper(32);
  private first: number | undefined;

  constructor(
    readonly clockRate: number,
    private readonly startMs = 0,
  ) {}

  toMs(rtpTimestamp: number): number {
    const t = this.unwrapper.unwrap(rtpTimestamp >>> 0);
    if (this.first === undefined) this.first = t;
    return this.startMs + ((t - this.first) * 1000) / this.clockRate;
  }
}
