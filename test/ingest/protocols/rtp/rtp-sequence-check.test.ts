import { describe, expect, it } from 'vitest';
import { RtpSequenceCheck } from '#ingest/protocols/rtp/rtp-sequence-check.js';

describe('RtpSequenceCheck', () => {
  it('counts a gap as lost, drops repeated and late numbers, and wraps at 65535', () => {
    const stats = { lostPackets: 0, droppedFrames: 0 };
    const check = new RtpSequenceCheck(stats);
    expect([65533, 65534, 65534, 1, 0, 2].map((seq) => check.next(seq))).toEqual([0, 0, -1, 2, -1, 0]);
    expect(stats.lostPackets).toBe(2);
  });
});
