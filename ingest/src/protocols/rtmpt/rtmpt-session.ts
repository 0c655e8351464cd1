import { LIMITS } from '../limits.js';
import { ProtocolError } from '../protocol-error.js';

/** Polling interval byte sent while data flows (RTMPT replies start with it; 0x01–0x21 in use). */
export const RTMPT_FAST_POLL = 0x01;
/** Largest polling interval byte: a client idle this long polls slowest. */
export const RTMPT_SLOW_POLL = 0x21;

/** Bounds of one tunnel session. */
export interface RtmptSessionLimits {
  readonly maxPendingOutput: number;
  readonly maxReplyBytes: number;
}

/**
 * One RTMPT tunnel session (one RTMP connection carried over POSTs), sans-I/O: keeps the sequence
 * number, the polling interval and the server→client bytes waiting for the next poll. The RTMP
 * session behind it calls `enqueue()` with what it would have written to a socket; each /send or
 * /idle answer body comes from `reply()`.
 */
export class RtmptSession {
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  private interval = RTMPT_FAST_POLL;
  private lastSeq: number;
  private open = true;
  /** Time (ms, caller's clock) of the last request, for the idle timeout. */
  lastSeen: number;

  constructor(
    /** The id the client puts in every URL. */
    readonly id: string,
    now: number,
    private readonly limits: RtmptSessionLimits = {
      maxPendingOutput: LIMITS.rtmptMaxPendingOutput,
      maxReplyBytes: LIMITS.rtmptMaxReplyBytes,
    },
  ) {
    this.lastSeen = now;
    // ffmpeg numbers its first /send 0 even after /open/1, Flash Player continues from the open.
    this.lastSeq = -1;
  }

  /** False after /close, expiry or an overflow. */
  get isOpen(): boolean {
    return this.open;
  }

  /** Server→client bytes waiting for a poll. */
  get pendingBytes(): number {
    return this.pendingLength;
  }

  /** The polling interval byte the next reply would carry. */
  get pollInterval(): number {
    return this.interval;
  }

  /**
   * Queues bytes the RTMP session writes towards the client. Throws RTMPT_OUTPUT_OVERFLOW (and
   * closes the session) when the client does not poll fast enough to keep the queue under
   * maxPendingOutput: the server then drops it like any slow reader.
   */
  enqueue(bytes: Uint8Array): void {
    if (!this.open || bytes.length === 0) return;
    const total = this.pendingLength + bytes.length;
    if (total > this.limits.maxPendingOutput) {
      this.close();
      throw new ProtocolError(
        'RTMPT_OUTPUT_OVERFLOW',
        `RTMPT output waiting too large: ${total} > limit ${this.limits.maxPendingOutput}`,
      );
    }
    this.pending.push(bytes);
    this.pendingLength = total;
  }

  /**
   * Checks and records the sequence number of a /send, /idle or /close request. Sequence numbers
   * only grow on one session (ffmpeg counts 0,1,2…, Flash Player from the /open number); a replay
   * or reordering raises RTMPT_BAD_SEQUENCE.
   */
  accept(seq: number, now: number): void {
    if (seq <= this.lastSeq) {
      throw new ProtocolError('RTMPT_BAD_SEQUENCE', `Sequence ${seq} after ${this.lastSeq} on session ${this.id}`);
    }
    this.lastSeq = seq;
    this.lastSeen = now;
  }

  /**
   * The body of a /send or /idle answer: the polling interval byte, then up to maxReplyBytes of
   * waiting output (the rest waits for the next poll). Data resets the interval to fast; each empty
   * reply slows it one step, up to RTMPT_SLOW_POLL.
   */
  reply(): Uint8Array {
    const n = Math.min(this.pendingLength, this.limits.maxReplyBytes);
    this.interval = n > 0 ? RTMPT_FAST_POLL : Math.min(this.interval + 1, RTMPT_SLOW_POLL);
    const out = new Uint8Array(1 + n);
    out[0] = this.interval;
    let filled = 0;
    while (filled < n) {
      const head = this.pending[0]!;
      const take = Math.min(head.length, n - filled);
      out.set(head.subarray(0, take), 1 + filled);
      filled += take;
      if (take === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(take);
    }
    this.pendingLength -= n;
    return out;
  }

  /** Ends the session; waiting output is dropped. */
  close(): void {
    this.open = false;
    this.pending = [];
    this.pendingLength = 0;
  }
}
