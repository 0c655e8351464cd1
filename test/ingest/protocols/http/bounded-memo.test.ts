import { describe, expect, it } from 'vitest';
import { BoundedMemo } from '#ingest/protocols/http/bounded-memo.js';

describe('BoundedMemo', () => {
  function counting(capacity: number, maxKeyLength: number) {
    const calls: string[] = [];
    const memo = new BoundedMemo((key) => {
      calls.push(key);
      if (key === 'bad') throw new Error('bad key');
      return { key };
    }, capacity, maxKeyLength);
    return { memo, calls };
  }

  it('computes a key once and gives every caller the same result', () => {
    const { memo, calls } = counting(4, 10);
    const first = memo.get('a');
    expect(memo.get('a')).toBe(first);
    expect(calls).toEqual(['a']);
  });

  it('forgets everything when full, so it never holds more than its capacity', () => {
    const { memo, calls } = counting(2, 10);
    memo.get('a');
    memo.get('b');
    memo.get('c');
    expect(memo.size).toBe(1);
    memo.get('a');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
    expect(memo.size).toBe(2);
  });

  it('computes keys longer than its bound every time and never keeps them', () => {
    const { memo, calls } = counting(4, 3);
    expect(memo.get('long-key')).toEqual({ key: 'long-key' });
    memo.get('long-key');
    expect(calls).toEqual(['long-key', 'long-key']);
    expect(memo.size).toBe(0);
  });

  it('throws for a key whose computation throws, every time, and keeps nothing for it', () => {
    const { memo, calls } = counting(4, 10);
    expect(() => memo.get('bad')).toThrow('bad key');
    expect(() => memo.get('bad')).toThrow('bad key');
    expect(calls).toEqual(['bad', 'bad']);
    expect(memo.size).toBe(0);
  });
});
