import type { SrtByteBudget } from './srt-byte-budget.js';
import type { SrtLossRange } from './srt-packet.js';
import { seqAdd, seqDiff } from './srt-seq.js';

/** Settings of a {@link SrtReceiver}. */
export interface SrtReceiverOptions {
  /** Sequence number of the first packet (the handshake's ISN). */
  readonly initialSeq: number;
  /** TSBPD delay (ms): how long a gap may wait for its retransmission. */
  readonly latencyMs: number;
  /** Packets held at most (beyond the first missing one); later packets are dropped. */
  readonly windowPackets: number;
  /** Payload bytes held at most (the peer's share of the global budget). */
  readonly maxBytes: number;
  /** The listener-wide budget this receiver's bytes also come out of. */
  readonly shared?: SrtByteBudget;
  /** Tracks the sender's clock against ours over this period (drift, ms). */
  readonly driftPeriodMs?: number;
}

/** Counters of a receiver. */
export interface SrtReceiverStats {
  received: number;
  /** Retransmitted copies that filled a gap. */
  recovered: number;
  duplicates: number;
  /** Packets beyond the window or the byte budget (the peer sent faster than we hold). */
  overflow: number;
  /** Lost packets given up when the packet after them was due (too-late drop). */
  dropped: number;
  /** Lost packets reported to the sender (first reports, not periodic repeats). */
  lost: number;
}

interface Held {
  readonly payload: Uint8Array;
}

interface Loss extends SrtLossRange {
  from: number;
  to: number;
  lastNakAt: number;
}

/**
 * The receiving half of a live SRT connection (sans-I/O, times in ms from the caller's clock):
 * packets in any order in, payloads out in sequence order. A gap is reported at once (NAK) and
 * periodically while open; packets after a gap wait until the gap fills or the packet after it
 * reaches its TSBPD time (sender timestamp on our clock + latency), when the gap is dropped
 * (too-late drop). In-order packets leave on arrival: the ingest re-times media from the MPEG-TS
 * timestamps, so holding them to their play time would only add delay. Memory is bounded by
 * `windowPackets` and `maxBytes`.
 */
export class SrtReceiver {
  readonly stats: SrtReceiverStats = { received: 0, recovered: 0, duplicates: 0, overflow: 0, dropped: 0, lost: 0 };
  /** The next sequence number to deliver (everything before it is delivered or given up). */
  private next: number;
  /** The highest sequence number received, or `next - 1`. */
  private maxSeen: number;
  private readonly slots: (Held | undefined)[];
  private heldBytes = 0;
  private losses: Loss[] = [];
  private timeBase: number | undefined;
  private periodMin = Infinity;
  private periodStart = 0;
  private lastTs = 0;
  private wrap = 0;
  /** Receive times of the payloads in `slots` (ms, our clock) for their TSBPD deadlines. */
  private readonly due: number[];

  constructor(private readonly options: SrtReceiverOptions) {
    this.next = options.initialSeq;
    this.maxSeen = seqAdd(options.initialSeq, -1);
    this.slots = new Array<Held | undefined>(options.windowPackets);
    this.due = new Array<number>(options.windowPackets).fill(0);
  }

  /** The ACK point: every packet before it was delivered or given up. */
  get ackSeq(): number {
    return this.next;
  }

  /** Free packet slots (the ACK's available buffer). */
  get available(): number {
    return Math.max(0, this.options.windowPackets - (seqDiff(this.maxSeen, this.next) + 1));
  }

  /** Payload bytes currently held. */
  get bytesHeld(): number {
    return this.heldBytes;
  }

  /** Gives back every held byte to the shared budget (the connection ends). */
  release(): void {
    this.options.shared?.give(this.heldBytes);
    this.heldBytes = 0;
    this.slots.fill(undefined);
  }

  /** Number of missing packets in the loss list. */
  get missing(): number {
    let n = 0;
    for (const l of this.losses) n += seqDiff(l.to, l.from) + 1;
    return n;
  }

  /**
   * Takes one data packet (`payload` already decrypted or still encrypted: the caller decides).
   * Returns the payloads now deliverable in order and the newly lost ranges to NAK at once.
   */
  receive(seq: number, timestampUs: number, payload: Uint8Array, now: number): { deliver: Uint8Array[]; nak: SrtLossRange[] } {
    const nak: SrtLossRange[] = [];
    const offset = seqDiff(seq, this.next);
    if (offset < 0) {
      this.stats.duplicates++;
      return { deliver: [], nak };
    }
    if (offset >= this.options.windowPackets) {
      this.stats.overflow++;
      return { deliver: [], nak };
    }
    const slot = seq % this.options.windowPackets;
    if (this.slots[slot] !== undefined) {
      this.stats.duplicates++;
      return { deliver: [], nak };
    }
    if (this.heldBytes + payload.length > this.options.maxBytes || !(this.options.shared?.take(payload.length) ?? true)) {
      this.stats.overflow++;
      return { deliver: [], nak };
    }
    this.stats.received++;
    const playAt = this.playTime(timestampUs, now);
    const ahead = seqDiff(seq, this.maxSeen);
    if (ahead > 1) {
      const loss = { from: seqAdd(this.maxSeen, 1), to: seqAdd(seq, -1), lastNakAt: now };
      this.losses.push(loss);
      this.stats.lost += ahead - 1;
      nak.push({ from: loss.from, to: loss.to });
    }
    if (ahead > 0) this.maxSeen = seq;
    else if (this.removeLoss(seq)) this.stats.recovered++;
    this.slots[slot] = { payload };
    this.due[slot] = playAt;
    this.heldBytes += payload.length;
    return { deliver: this.drain(), nak };
  }

  /**
   * Time passes: gaps whose following packet is due are given up (too-late drop), and the ranges
   * to NAK again (not reported for `nakIntervalMs`) are returned with what became deliverable.
   */
  tick(now: number, nakIntervalMs: number): { deliver: Uint8Array[]; nak: SrtLossRange[] } {
    const deliver: Uint8Array[] = [];
    while (this.losses.length > 0) {
      const first = this.losses[0]!;
      if (first.from !== this.next) break;
      const after = seqAdd(first.to, 1);
      const slot = after % this.options.windowPackets;
      if (this.slots[slot] === undefined || this.due[slot]! > now) break;
      this.stats.dropped += seqDiff(after, first.from);
      this.losses.shift();
      this.next = after;
      deliver.push(...this.drain());
    }
    const nak: SrtLossRange[] = [];
    for (const l of this.losses) {
      if (now - l.lastNakAt < nakIntervalMs) continue;
      l.lastNakAt = now;
      nak.push({ from: l.from, to: l.to });
    }
    return { deliver, nak };
  }

  /**
   * The sender will not send `from..to` (DROPREQ): gaps there are given up at once.
   */
  dropRequest(from: number, to: number): Uint8Array[] {
    if (seqDiff(to, from) < 0 || seqDiff(to, this.next) < 0) return [];
    const deliver: Uint8Array[] = [];
    while (this.losses.length > 0) {
      const first = this.losses[0]!;
      if (first.from !== this.next || seqDiff(first.from, from) < 0 || seqDiff(first.to, to) > 0) break;
      this.stats.dropped += seqDiff(first.to, first.from) + 1;
      this.losses.shift();
      this.next = seqAdd(first.to, 1);
      deliver.push(...this.drain());
    }
    return deliver;
  }

  private drain(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (;;) {
      const slot = this.next % this.options.windowPackets;
      const held = this.slots[slot];
      if (held === undefined || seqDiff(this.next, this.maxSeen) > 0) break;
      this.slots[slot] = undefined;
      this.heldBytes -= held.payload.length;
      this.options.shared?.give(held.payload.length);
      out.push(held.payload);
      this.next = seqAdd(this.next, 1);
    }
    return out;
  }

  private removeLoss(seq: number): boolean {
    for (let i = 0; i < this.losses.length; i++) {
      const l = this.losses[i]!;
      if (seqDiff(seq, l.from) < 0 || seqDiff(seq, l.to) > 0) continue;
      if (l.from === l.to) this.losses.splice(i, 1);
      else if (seq === l.from) l.from = seqAdd(seq, 1);
      else if (seq === l.to) l.to = seqAdd(seq, -1);
      else {
        this.losses.splice(i + 1, 0, { from: seqAdd(seq, 1), to: l.to, lastNakAt: l.lastNakAt });
        l.to = seqAdd(seq, -1);
      }
      return true;
    }
    return false;
  }

  /**
   * TSBPD (SRT draft §4.5): the sender's timestamp mapped onto our clock plus the latency. The
   * mapping is the least (arrival - timestamp) seen, re-taken every drift period so that a sender
   * clock running slower or faster than ours does not eat the latency over hours.
   */
  private playTime(timestampUs: number, now: number): number {
    if (timestampUs < this.lastTs && this.lastTs - timestampUs > 0x80000000) this.wrap += 0x100000000;
    else if (timestampUs > this.lastTs && timestampUs - this.lastTs > 0x80000000 && this.wrap > 0) {
      // A late packet from before the wrap.
      return this.timeBase! + (timestampUs + this.wrap - 0x100000000) / 1000 + this.options.latencyMs;
    }
    if (timestampUs >= this.lastTs || this.lastTs - timestampUs > 0x80000000) this.lastTs = timestampUs;
    const tsMs = (timestampUs + this.wrap) / 1000;
    const offset = now - tsMs;
    if (this.timeBase === undefined) {
      this.timeBase = offset;
      this.periodStart = now;
    }
    this.periodMin = Math.min(this.periodMin, offset);
    if (now - this.periodStart >= (this.options.driftPeriodMs ?? 5000)) {
      this.timeBase = this.periodMin;
      this.periodMin = Infinity;
      this.periodStart = now;
    }
    return this.timeBase + tsMs + this.options.latencyMs;
  }
}
