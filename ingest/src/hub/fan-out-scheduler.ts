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
  private due: ScheduledFanOut[] = [];
  private turnRequested = false;
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
    this.due.push(fanOut);
    if (this.turnRequested) return;
    this.turnRequested = true;
    this.clock.nextTurn(this.runDue);
  }

  /**
   * `fanOut` holds audio: it runs audioHoldMs from now unless it ran before (its holdDeadline
   * then no longer matches). Returns the deadline for the fan-out to keep.
   */
  holdAudio(fanOut: ScheduledFanOut): number {
    const at = this.clock.now() + this.audioHoldMs;
    this.holdAt.push(at);
    this.holdFanOut.push(fanOut);
    if (!this.holdTimerArmed) this.armHoldTimer(this.audioHoldMs);
    return at;
  }

  private readonly runDue = (): void => {
    this.turnRequested = false;
    const due = this.due;
    this.due = [];
    const now = this.clock.now();
    for (const fanOut of due) fanOut.runTurn(now);
  };

  private armHoldTimer(ms: number): void {
    this.holdTimerArmed = true;
    this.clock.after(ms, this.runHolds);
  }

  private readonly runHolds = (): void => {
    this.holdTimerArmed = false;
    const now = this.clock.now();
    while (this.holdsHead < this.holdAt.length) {
      const at = this.holdAt[this.holdsHead]!;
      if (at > now) break;
      const fanOut = this.holdFanOut[this.holdsHead]!;
      this.holdsHead++;
      // A fan-out that flushed since (or holds again, later) has another deadline: nothing to do.
      if (fanOut.holdDeadline === at) fanOut.flush(now);
    }
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
  };
}
