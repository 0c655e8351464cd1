/** SRT packet sequence numbers are 31 bits and wrap (UDT §3; SRT draft §3.1). */
export const SRT_SEQ_MAX = 0x7fffffff;
const SEQ_MOD = 0x80000000;
const SEQ_HALF = 0x40000000;

/** `seq + n` modulo 2^31. */
export function seqAdd(seq: number, n: number): number {
  return (((seq + n) % SEQ_MOD) + SEQ_MOD) % SEQ_MOD;
}

/** Signed distance `a - b` on the 31-bit circle (|result| < 2^30). */
export function seqDiff(a: number, b: number): number {
  let d = (a - b) % SEQ_MOD;
  if (d >= SEQ_HALF) d -= SEQ_MOD;
  else if (d < -SEQ_HALF) d += SEQ_MOD;
  return d;
}

/** SRT message numbers are 26 bits and wrap; 0 is never used by libsrt. */
export function nextMessageNumber(n: number): number {
  return n >= 0x3ffffff ? 1 : n + 1;
}
