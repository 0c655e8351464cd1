/**
 * The time and the turns the hub's fan-out runs on: the event loop in the server
 * ({@link eventLoopClock}), a clock driven by hand in tests (no sockets, no waiting).
 */
export interface FanOutClock {
  /** Milliseconds on a clock that never goes back (only differences are used). */
  now(): number;
  /** Runs `run` once in a later event-loop turn, after this turn's I/O. */
  nextTurn(run: () => void): void;
  /**
   * Runs `run` once after `ms`; returns its cancel. `keepAlive: false` lets the process exit
   * while it is pending (a reader waiting for a publisher).
   */
  after(ms: number, run: () => void, keepAlive?: boolean): () => void;
}

/** The event loop: `setImmediate` turns, `setTimeout` delays, `performance.now()` time. */
export const eventLoopClock: FanOutClock = {
  now: () => performance.now(),
  nextTurn: (run) => {
    setImmediate(run);
  },
  after: (ms, run, keepAlive = true) => {
    const timer = setTimeout(run, ms);
    if (!keepAlive) timer.unref();
    return () => clearTimeout(timer);
  },
};
