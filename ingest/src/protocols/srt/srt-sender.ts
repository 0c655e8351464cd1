import type { SrtLossRange } from './srt-packet.js';
import { seqAdd, seqDiff } from './srt-seq.js';

/** Settings of a {@link SrtSender}. */
export interface SrtSenderOptions {
  readonly initialSeq: number;
  /** Packets sent and not yet acknowledged, at most (the smaller of ours and the peer's window). */
  readonly windowPackets: number;
  /** Messages queued and not yet sent, at most; `queue` refuses more. */
  readonly maxQueuedPackets: number;
  /** A sent packet older than this (ms) is not retransmitted any more (the peer's latency and margin). */
  readonly dropAfterMs: number;
  /** Pacing: bytes per second, with a burst of `burstBytes`. */
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
}

/** One packet ready for the wire: the server encodes the header around it. */
export interface SrtOutgoing {
  readonly seq: number;
  readonly messageNumber: number;
  readonly timestampUs: number;
  readonly payload: Uint8Array;
  readonly retransmitted: boolean;
}

interface Sent {
  readonly seq: number;
  readonly messageNumber: number;
  readonly timestampUs: number;
  readonly payload: Uint8Array;
  readonly sentAt: number;
  /** When it last went out (first send or retransmission). */
  lastTx: number;
  /** Queued for retransmission and not yet resent. */
  pending: boolean;
}

/** Tail packets queued again by one late-retransmit pass (a burst, not the whole window). */
const LATE_REXMIT_MAX = 64;

/** What an idle sender's pump returns (a publisher's connection never sends data). */
const NOTHING: readonly SrtOutgoing[] = Object.freeze([]);

/** Counters of a sender. */
export interface SrtSenderStats {
  sent: number;
  retransmitted: number;
  /** Sent packets never acknowledged (too late or the window overran). */
  dropped: number;
  /** Messages refused by `queue` (the peer or the link could not keep up). */
  refused: number;
}

/**
 * The sending half of a live SRT connection (sans-I/O): messages are queued (bounded), paced out
 * within the flight window, kept until acknowledged for retransmission on NAK, and given up once
 * older than the peer can still play (the peer drops them too; a NAK for them gets a DROPREQ).
 */
export class SrtSender {
  readonly stats: SrtSenderStats = { sent: 0, retransmitted: 0, dropped: 0, refused: 0 };
  private nextSeq: number;
  private messageNumber = 1;
  /** Oldest unacknowledged sequence number. */
  private ackedTo: number;
  private readonly flight: Sent[] = [];
  private readonly queued: { payload: Uint8Array; timestampUs: number }[] = [];
  private readonly rexmit: Sent[] = [];
  private budget: number;
  private lastPace: number | undefined;

  constructor(private readonly options: SrtSenderOptions) {
    this.nextSeq = options.initialSeq;
    this.ackedTo = options.initialSeq;
    this.budget = options.burstBytes;
  }

  /** Messages waiting for the window or the pacer. */
  get queuedPackets(): number {
    return this.queued.length;
  }

  /** Packets in flight (sent, unacknowledged). */
  get inFlight(): number {
    return this.flight.length;
  }

  /** Queues one message (one packet); false when the queue is full (the message is not taken). */
  queue(payload: Uint8Array, timestampUs: number): boolean {
    if (this.queued.length >= this.options.maxQueuedPackets) {
      this.stats.refused++;
      return false;
    }
    this.queued.push({ payload, timestampUs });
    return true;
  }

  /**
   * Packets to send now: retransmissions first, then new ones, within the window and the pacer.
   * With `rtoMs`, a tail loss is repaired too: once the newest packet in flight went out `rtoMs`
   * ago with nothing after it (so the peer saw no later packet and cannot know of the gap) and
   * it is still unacknowledged, the unacknowledged packets that old are sent again (at most 64 a
   * pass), as libsrt's late retransmission does.
   */
  pump(now: number, rtoMs?: number): readonly SrtOutgoing[] {
    this.refill(now);
    if (this.flight.length === 0 && this.queued.length === 0 && this.rexmit.length === 0) return NOTHING;
    this.expire(now);
    if (rtoMs !== undefined) this.lateRetransmit(now, rtoMs);
    const out: SrtOutgoing[] = [];
    while (this.rexmit.length > 0 && this.budget > 0) {
      const p = this.rexmit.shift()!;
      p.pending = false;
      if (seqDiff(p.seq, this.ackedTo) < 0) continue;
      p.lastTx = now;
      this.budget -= p.payload.length;
      this.stats.retransmitted++;
      out.push({ seq: p.seq, messageNumber: p.messageNumber, timestampUs: p.timestampUs, payload: p.payload, retransmitted: true });
    }
    while (this.queued.length > 0 && this.budget > 0 && this.flight.length < this.options.windowPackets) {
      const q = this.queued.shift()!;
      const sent: Sent = { seq: this.nextSeq, messageNumber: this.messageNumber, timestampUs: q.timestampUs, payload: q.payload, sentAt: now, lastTx: now, pending: false };
      this.flight.push(sent);
      this.nextSeq = seqAdd(this.nextSeq, 1);
      this.messageNumber = this.messageNumber >= 0x3ffffff ? 1 : this.messageNumber + 1;
      this.budget -= q.payload.length;
      this.stats.sent++;
      out.push({ seq: sent.seq, messageNumber: sent.messageNumber, timestampUs: sent.timestampUs, payload: sent.payload, retransmitted: false });
    }
    return out;
  }

  /** The peer has everything before `seq`. */
  ack(seq: number): void {
    if (seqDiff(seq, this.ackedTo) <= 0 || seqDiff(seq, this.nextSeq) > 0) return;
    this.ackedTo = seq;
    let n = 0;
    while (n < this.flight.length && seqDiff(this.flight[n]!.seq, seq) < 0) n++;
    this.flight.splice(0, n);
  }

  /**
   * The peer misses `ranges`: packets still held are queued for retransmission (each at most once
   * until resent; the walk over all ranges of one NAK is bounded by twice what is in flight, so a
   * huge or repeated loss list costs no more than the window); the parts no longer held are
   * returned for a DROPREQ.
   */
  nak(ranges: readonly SrtLossRange[]): SrtLossRange[] {
    const gone: SrtLossRange[] = [];
    const first = this.flight.length > 0 ? this.flight[0]!.seq : this.nextSeq;
    let work = 2 * this.flight.length;
    for (const r of ranges) {
      if (seqDiff(r.to, r.from) < 0 || seqDiff(r.from, this.nextSeq) >= 0) continue;
      if (seqDiff(r.from, first) < 0) gone.push({ from: r.from, to: seqDiff(r.to, first) < 0 ? r.to : seqAdd(first, -1) });
      const from = Math.max(0, seqDiff(r.from, first));
      const to = Math.min(this.flight.length - 1, seqDiff(r.to, first));
      for (let i = from; i <= to && work > 0; i++, work--) {
        const p = this.flight[i]!;
        if (p.pending) continue;
        p.pending = true;
        this.rexmit.push(p);
      }
    }
    return gone;
  }

  private lateRetransmit(now: number, rtoMs: number): void {
    // Length first: flight[-1] of an empty array is a property lookup by name in V8's runtime, and a
    // publisher's sender is always empty (a tenth of the listener's 10 ms tick, docs/benchmark.md Round 7).
    if (this.flight.length === 0 || this.queued.length > 0) return;
    const newest = this.flight[this.flight.length - 1]!;
    if (now - newest.lastTx < rtoMs) return;
    let n = 0;
    for (const p of this.flight) {
      if (n >= LATE_REXMIT_MAX) break;
      if (p.pending || now - p.lastTx < rtoMs) continue;
      p.pending = true;
      this.rexmit.push(p);
      n++;
    }
  }

  private refill(now: number): void {
    if (this.lastPace !== undefined) {
      this.budget = Math.min(this.options.burstBytes, this.budget + ((now - this.lastPace) * this.options.bytesPerSecond) / 1000);
    }
    this.lastPace = now;
  }

  private expire(now: number): void {
    let n = 0;
    while (n < this.flight.length && now - this.flight[n]!.sentAt > this.options.dropAfterMs) n++;
    if (n === 0) return;
    const dropped = this.flight.splice(0, n);
    this.stats.dropped += n;
    this.ackedTo = seqAdd(dropped[n - 1]!.seq, 1);
    for (const p of dropped) p.pending = false;
    if (this.rexmit.length > 0) {
      const keep = this.rexmit.filter((p) => seqDiff(p.seq, this.ackedTo) >= 0);
      this.rexmit.length = 0;
      this.rexmit.push(...keep);
    }
  }
}
