import type { FanOutClock } from './fan-out-clock.js';

/**
 * Longest time an audio frame of a video stream waits for the next video frame before it is sent
 * on its own. Audio (~47 frames/s for AAC at 48 kHz) rides with the next video frame (30/s) in one
 * write per player instead of a write of its own: fewer syscalls per player (bench/steady-state.sh).
 * Players buffer far more than this; video, which latency is judged by, is never held.
 */
export const AUDIO_HOLD_MS = 40;

/** What the scheduler runs: one stream's fan-out. */
export interface ScheduledFanOut {
  /** Runs the work this fan-out asked for with `nextTurn` (a flush, the next slice of a large delivery). */
  runTurn(now: number): void;
  /** Hands everything pending to the readers (its held audio came due). */
  flush(now: number): void;
  /** When its held audio must go out at the latest (-1: nothing held), as `holdAudio` set it. */
  readonly holdDeadline: number;
}

/**
 * One clock for every stream of a hub: the streams that asked for a flush in this event-loop turn
 * are flushed together in the next one (one `nextTurn` for all of them, not one per stream and
 * read), and held audio is bounded by one timer for all streams instead of one per stream.
 * Holds all last AUDIO_HOLD_MS, so they come due in the order they were made: a queue, with the
 * timer armed for its head.
 */
export class FanOutScheduler {
  /** Fan-outs waiting for the next loop turn. */
  private due: ScheduledFanOut[] = [];
  /** A `clock.nextTurn` is pending (it runs `due`). */
  private turnRequested = false;
  /** Inside a publisher's read (see beginInput): turns wait for its end instead of the next loop turn. */
  private inputDepth = 0;
  /** Fan-outs made due inside the current read: they run at its end (`due` keeps waiting for its turn). */
  private dueAtInputEnd: ScheduledFanOut[] = [];
  // Holds as two parallel queues (deadline, fan-out) rather than an object per held audio frame
  // (one per audio frame of every stream: ~47 a second each).
  private holdAt: number[] = [];
  private holdFanOut: ScheduledFanOut[] = [];
  private holdsHead = 0;
  private holdTimerArmed = false;

  constructor(
    readonly clock: FanOutClock,
    readonly audioHoldMs = AUDIO_HOLD_MS,
  ) {}

  /** `fanOut` runs in the next turn (the caller asks once per turn: it keeps its own flag). */
  nextTurn(fanOut: ScheduledFanOut): void {
    if (this.inputDepth > 0) {
      this.dueAtInputEnd.push(fanOut);
      return;
    }
    this.due.push(fanOut);
    if (this.turnRequested) return;
    this.turnRequested = true;
    this.clock.nextTurn(this.runDue);
  }

  /**
   * A publisher's read starts: what its frames ask for runs at `endInput` instead of in a later
   * loop turn (still one flush for all the frames of the read).
   */
  beginInput(): void {
    this.inputDepth++;
  }

  /**
   * The read ended: the fan-outs it made due run now, held audio past its deadline goes out, and
   * the hold timer is armed for the holds still open (it bounds them when the publisher goes
   * silent). Saves a loop turn per read with frames and the hold timer's turns while audio and
   * video arrive in the same reads: each an entry into JavaScript (docs/benchmark.md, Round 6).
   * Fan-outs that were already waiting for a loop turn (a reader catching up from the GOP cache,
   * the next slice of a large audience) keep waiting for it: every connection's read ends here,
   * and running them at each would hand a catching-up reader a slice per read instead of one per
   * turn, ahead of the answers to new connections (docs/benchmark.md, Round 7).
   */
  endInput(): void {
    if (--this.inputDepth > 0) return;
    if (this.dueAtInputEnd.length > 0) {
      const due = this.dueAtInputEnd;
      this.dueAtInputEnd = [];
      this.run(due);
    }
    if (this.holdsHead < this.holdAt.length) this.runHolds();
  }

  /**
   * `fanOut` holds audio: it runs audioHoldMs from now unless it ran before (its holdDeadline
   * then no longer matches). Returns the deadline for the fan-out to keep.
   */
  holdAudio(fanOut: ScheduledFanOut): number {
    const at = this.clock.now() + this.audioHoldMs;
    this.holdAt.push(at);
    this.holdFanOut.push(fanOut);
    // In a publisher's read the timer waits for endInput: a video frame later in the same read
    // usually ends the hold, and a timer once armed wakes the loop even when cleared.
    if (!this.holdTimerArmed && this.inputDepth === 0) this.armHoldTimer(this.audioHoldMs);
    return at;
  }

  private readonly runDue = (): void => {
    this.turnRequested = false;
    const due = this.due;
    this.due = [];
    this.run(due);
  };

  private run(due: readonly ScheduledFanOut[]): void {
    const now = this.clock.now();
    for (const fanOut of due) fanOut.runTurn(now);
  }

  private armHoldTimer(ms: number): void {
    this.holdTimerArmed = true;
    this.clock.after(ms, this.onHoldTimer);
  }

  private readonly onHoldTimer = (): void => {
    this.holdTimerArmed = false;
    this.runHolds();
  };

  private runHolds(): void {
    const now = this.clock.now();
    while (this.holdsHead < this.holdAt.length) {
      const at = this.holdAt[this.holdsHead]!;
      if (at > now) break;
      const fanOut = this.holdFanOut[this.holdsHead]!;
      this.holdsHead++;
      // A fan-out that flushed since (or holds again, later) has another deadline: nothing to do.
      if (fanOut.holdDeadline === at) fanOut.flush(now);
    }
    // Holds already ended by a flush need no timer turn of their own.
    while (this.holdsHead < this.holdAt.length && this.holdFanOut[this.holdsHead]!.holdDeadline !== this.holdAt[this.holdsHead]) this.holdsHead++;
    if (this.holdsHead === this.holdAt.length) {
      this.holdAt = [];
      this.holdFanOut = [];
      this.holdsHead = 0;
      return;
    }
    if (this.holdsHead > 1024) {
      this.holdAt = this.holdAt.slice(this.holdsHead);
      this.holdFanOut = this.holdFanOut.slice(this.holdsHead);
      this.holdsHead = 0;
    }
    if (!this.holdTimerArmed) this.armHoldTimer(Math.min(this.audioHoldMs, this.holdAt[this.holdsHead]! - now));
  }
}
