import { describe, expect, it } from 'vitest';
import { TimestampUnwrapper } from '#ingest/media/timestamp-unwrapper.js';

describe('TimestampUnwrapper', () => {
  it('extends a 33-bit clock across its wrap-around', () => {
    const u = new TimestampUnwrapper(33);
    const wrap = 2 ** 33;
    expect(u.unwrap(wrap - 3000)).toBe(wrap - 3000);
    expect(u.unwrap(wrap - 10)).toBe(wrap - 10);
    expect(u.unwrap(2990)).toBe(wrap + 2990);
    expect(u.unwrap(5990)).toBe(wrap + 5990);
  });

  it('keeps small backward steps (B-frame PTS) backward', () => {
    const u = new TimestampUnwrapper(33);
    u.unwrap(9000);
    expect(u.unwrap(6000)).toBe(6000);
    expect(u.unwrap(12000)).toBe(12000);
  });

  it('handles a backward step across the wrap point', () => {
    const u = new TimestampUnwrapper(32);
    u.unwrap(100);
    expect(u.unwrap(2 ** 32 - 100)).toBe(-100);
  });
});
