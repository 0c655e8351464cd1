import { LIMITS } from '../limits.js';
import type { RtpPacket } from './rtp-packet.js';

/**
 * Puts UDP-delivered RTP packets back in sequence order, holding at most `capacity` packets. When
 * full, the oldest gap is given up on (counted in `lost`) so a flood never grows memory; late and
 * duplicate packets are dropped (counted in `discarded`).
 */
export class RtpReorderBuffer {
  lost = 0;
  discarded = 0;
  private expected: number | undefined;
  private readonly held = new Map<number, RtpPacket>();
  private bytes = 0;

  constructor(private readonly capacity: number = LIMITS.rtpReorderPackets) {}

  /** Payload bytes of the packets held for a gap. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Adds a packet; returns the packets now deliverable, in order. */
  push(packet: RtpPacket): RtpPacket[] {
    const out: RtpPacket[] = [];
    if (this.expected === undefined) this.expected = packet.sequenceNumber;
    const d = seqDiff(packet.sequenceNumber, this.expected);
    if (d < 0 || this.held.has(packet.sequenceNumber)) {
      this.discarded++;
      return out;
    }
    if (d >= this.capacity) {
      // a jump longer than the window (sender restart, long outage): deliver what we hold and resync
      this.flushInto(out);
      this.lost += seqDiff(packet.sequenceNumber, this.expected);
      this.expected = packet.sequenceNumber;
    }
    this.held.set(packet.sequenceNumber, packet);
    this.bytes += packet.payload.length;
    this.release(out);
    while (this.held.size >= this.capacity) {
      this.skipGap();
      this.release(out);
    }
    return out;
  }

  /** Delivers everything held, in order, skipping gaps (end of stream). */
  flush(): RtpPacket[] {
    const out: RtpPacket[] = [];
    this.flushInto(out);
    return out;
  }

  private flushInto(out: RtpPacket[]): void {
    while (this.held.size > 0) {
      this.skipGap();
      this.release(out);
    }
  }

  private release(out: RtpPacket[]): void {
    for (;;) {
      const p = this.held.get(this.expected!);
      if (p === undefined) return;
      this.held.delete(this.expected!);
      this.bytes -= p.payload.length;
      out.push(p);
      this.expected = (this.expected! + 1) & 0xffff;
    }
  }

  private skipGap(): void {
    let best: number | undefined;
    for (const seq of this.held.keys()) {
      const d = seqDiff(seq, this.expected!);
      if (best === undefined || d < best) best = d;
    }
    if (best === undefined) return;
    this.lost += best;
    this.expected = (this.expected! + best) & 0xffff;
  }
}

/** Signed distance a - b between 16-bit sequence numbers. */
export function seqDiff(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}
