import { seqDiff } from './rtp-reorder-buffer.js';
import type { DepacketizerStats } from './rtp-video-depacketizer.js';

/**
 * The sequence check every depacketizer makes: packets arrive in order (a reorder buffer is
 * ahead of it), so a number at or before the last one is a duplicate or came too late, and a
 * gap is packets lost for good.
 */
export class RtpSequenceCheck {
  private last: number | undefined;

  /** Counts lost packets in `stats.lostPackets`. */
  constructor(private readonly stats: DepacketizerStats) {}

  /** Packets lost just before `sequenceNumber` (0 when it is the next one), or -1 for a packet to drop. */
  next(sequenceNumber: number): number {
    const d = this.last === undefined ? 1 : seqDiff(sequenceNumber, this.last);
    if (d <= 0) return -1;
    this.last = sequenceNumber;
    this.stats.lostPackets += d - 1;
    return d - 1;
  }
}
